"""Deterministic crisis detection: runs on every message before any model sees it.

``detect_crisis(text)`` returns a :class:`CrisisSignal` (what kind of crisis, the name of the
rule that matched, whether the message also asks about the treatment) or ``None``. It is rules
only: the same text always gives the same answer, it never depends on model confidence, it
makes no network calls, and a typical message takes a fraction of a millisecond.

How a message is matched
------------------------
1. :func:`canonical` puts it in one form: Unicode NFKC, casefolded, accents and zero-width or
   other format characters removed, curly quotes straightened and apostrophes deleted ("don't",
   "dont" and "don’t" are the same word), leetspeak inside words undone ("k1ll", "su!cide"),
   other punctuation turned into spaces, whitespace collapsed, every run of a repeated letter
   collapsed to one ("sooooo" -> "so"; "kill" and "kil" -> "kil"), chat spellings mapped
   ("wanna" -> "want to") and near-misspellings of a few key words corrected by edit distance
   ("sucide", "suicidle" -> "suicide").
2. ``masks`` from the patterns files blank out spans that must not trigger anything (clear
   denials such as "I'm not suicidal", another person's past suicide, "career suicide"); a mask
   may also raise a context flag that rules consult.
3. ``rules`` are tried in load order (medical emergency, self-harm, harm to others, abuse);
   the first match that none of its guards suppresses is the answer.

Patterns, word lists and guards are data in ``bot/safety/patterns/*.yml``, one file per family
of rules, read in the fixed order of ``PATTERN_FILES`` (rule order is priority order) and
compiled once (call :func:`warm_up` at start-up). Punctuation never changes the result, because the
canonical form has none; only the ``asks_about_treatment`` flag looks at "?" (to tell a
question from a statement).

Decisions (pinned in tests/safety/test_decisions.py)
----------------------------------------------------
- A clear denial masks only itself: "I'm not suicidal, just curious" is no crisis, but "I'm not
  suicidal but I think about dying every day" is. "Not actively suicidal" is not a denial.
- The past counts as past only when it is clearly over: "I used to self-harm years ago but I'm
  fine now" is no crisis; "I used to feel suicidal" (no sign it ended) and "I used to cut, lately
  the urges are back" are.
- A question about the treatment that mentions suicidality or self-harm always gets a signal,
  with ``asks_about_treatment`` set, so resources are shown AND the question answered. A medical
  emergency never sets the flag: the answer to "I took a bunch of pills, is that a problem for
  my appointment?" is to call for help.
- Suicidality asked about as a subject ("can ketamine help with suicidal thoughts?", "how do you
  screen for suicide risk?") sets ``subject_only``: the answer, with the crisis lines as a note
  before it, and no crisis path (no staff alert). Any sign that someone is at risk keeps the
  crisis path: the writer ("my suicidal thoughts", "for me", "tonight"), someone close ("our son
  is suicidal", "asking for a friend", "someone who has attempted suicide"), how often ("every
  night"), a plan, or suicide as the answer ("the only way out"). So does a bare phrase with no
  question word ("ketamine for suicidal depression?"). Stop 29; until then all of these took
  the crisis path with the answer after the resources.
  Stop 30: the same for a piece of work about suicidality ("my dissertation on suicide
  prevention") and for screening questions about self-harm or thoughts of death ("will I be
  asked about self harm at intake?"), unless the writer says they are harming themselves now.
- Past abuse asked about as a treatment question is no crisis ("my dad beat me as a kid, can
  KAP help with the trauma?"); abuse in the present tense, or recent, always is.
- Another person's past suicide is grief, not danger ("my brother died by suicide"); another
  person at risk now is a crisis (category self_harm).
- Informational mentions ("suicide rates in depression") are no crisis unless they come with a
  question about the treatment.
- A conditional plan is a crisis: "if KAP fails that's it for me". A strong ending ("I'll end
  it") counts after any condition; a weak one ("I'm done") only after a failure ("if this
  doesn't work I'm done"), and never with an object ("I'm done with this clinic").
- Abuse of someone else told by the writer ("my neighbour beats his kids") is abuse; so is a
  threat against the writer's own children or pets ("he'll hurt my dog if I leave"). Questions
  about drug abuse, misuse or addiction ("can ketamine be abused?") are never abuse.
- An emoji of laughter is read as "lol" (stop 29): it cancels a joking threat ("I'm going to
  murder him 😂") and "I'm dying" after it, never a wish to die ("I want to die 😂").
- An episode told once it is over is not an emergency now (stop 29): "I felt like I couldn't
  breathe but my therapist talked me through it", "that was 5 years ago".
- Fiction is fiction only when its framing comes right before the words ("a story where the
  main character wants to die"); laughing right before "I'm dying" is laughing ("lmao I'm dying").
- Stop 34: thoughts the writer says are long-standing and managed ("chronic passive SI, stable,
  safety plan with my GP") or intrusive and disowned ("OCD images of stabbing people I love,
  they horrify me") are no crisis, unless something has changed (a date, "tonight", "this
  week", "not intrusive anymore", "I want to do it") or someone is at risk now. A bare
  "intrusive thoughts about smothering my newborn" still is. So is a story the writer says is
  theirs; a story they are writing ("a novel where a farmer decides to end his life") is not.
  A burden with a practical cause ("since she's been helping with rent") is not, unless an
  ending is named; a goodbye for a plane, a move or a game is not, unless an ending is named
  (a goodbye in a group chat always is). A joking threat from someone close ("he'd kill me if
  I ate the last brownie lol") is not; "I thought he was joking, he just smashed my phone" is.
- Stop 34: the shape of a last message ("I just wanted someone to know", "I don't know why I'm
  typing this", "thank you for trying") is a crisis with a means, a lethal place, a time or a
  sign it has begun; so is a means in hand ("I've got the rope and I'm in the garage", "the
  tablets are beside me") with a sign that it is now.
- Stop 35: self-harm or suicidality as a matter for staff, teachers and carers ("your protocol
  when a client discloses self-harm", "a workshop on spotting self-harm", "do you take patients
  who are suicidal?") gets the answer with the crisis lines as a note, unless the writer is
  harming themselves now. A goodbye to a thing ("goodbye forever to my old meds") or at the end
  of the course is not a crisis; a burn from a hot tool is an accident unless the writer wants
  it again. What the writer would do for a slot or a coffee ("I'd jump off the roof for a
  Saturday session") is hyperbole, the same act for the people they love is not; a threat tied
  to a booking or a bill ("she'll kill me if I book this") is a figure of speech unless
  violence already happens ("he hits me if I spend without asking"). Laughing that takes the
  breath, a pet put to sleep, a jump for sport, a sprint drill ("run suicides"), "one more
  PHQ-9 and I'll jump out a window" (never "one more night") and an advocate asking for the
  people they support (unless they are hurt themselves) are not crises; nor are rent that
  "strangles", make-up blood, a parent's fear that the writer will stop breathing, or death met
  in faith ("whenever He calls, not a day before"; a bare "ready to meet my maker" is).
- Stop 36: what staff do when someone they serve says they want to die, or voices homicidal
  thoughts, and whom the clinic sees or excludes when asked in a role or about its criteria
  ("School counsellor: do you see under-18s who self-harm?"), get the answer with the crisis
  lines as a note; asked bare ("do you treat people who self-harm?") it stays a crisis. A day
  picked where thoughts of dying are named ("they're not managed anymore. I picked Sunday") is
  a crisis, a day picked for a booking is not; so is a decision to join someone who died, and
  "high risk" by the writer's own reckoning (not a counsellor's word). Someone else's joke, a
  price that "would kill her", a short film and a past told as behind the writer are not. A
  goodbye whose ordinary reasons are ruled out ("not moving, not retiring, just going"), a
  plan's parts listed ("date, place, method"), wanting to be found before the children, and
  last letters left to be found are crises; "I can't do this anymore" said of a thing ("the 6am
  slots, I mean") is not.
- Stop 37: each family is also written in its plainest words (tests/safety_families/). A red
  flag told as happening now since a dose ("chest pain since my session", "can't see out of my
  left eye since the infusion") is an emergency whatever question follows ("is that normal?"),
  though the same question asked in general is not. So are an overdose told with nothing
  after it ("I swallowed all my pills"; a daily dose "as usual" is not), an airway closing, a
  fit, someone breathing but not answering, a weapon on the way to someone or in hand with
  them near (a knife out for the cake, a rifle for hunting are not), violence heard through the
  wall, hiding from it, pills collected or kept back, a rope tested, a car running in a
  closed garage, and nothing needed "after tonight" (not when the course is over). Threats
  aimed at the writer stay danger from others (abuse), not harm to others.
- Stop 38: hyperbole blamed on a petty thing ("the hold music makes me want to jump out a
  window", "if this queue takes any longer I'm walking into the sea") is not a crisis, unless the
  whole of life, a time, a plan, a means or the writer's insistence is named; exams, bills, debt,
  rent, work and people are never petty. A writer speaking from a role ("police officer here",
  "I'm a nurse on an acute psych ward") or of something read or heard ("a news story about")
  makes suicide and self-harm a subject: the answer with the crisis lines as a note, unless the
  writer is at risk now. A last message from a number being changed is not a crisis, unless its
  words are a last message's ("thank you for trying", "forgive me").
  Two red flags told together ("chest pain going down my left arm and sweating", "vomiting and
  now confused", "a temperature of 40.5 and thrashing") are an emergency whatever question
  follows, unlike one red flag asked about. Words said in a fight and regretted ("I said 'I
  could kill you' and I'm ashamed of it") and a clinician's joke ("my therapist said she'd
  strangle me if I didn't ask") are not threats.
  Thoughts said to be managed count as managed when a plan is made with a clinician ("a plan
  with my therapist"), when they are being managed ("we've been managing my SI for eight
  years") or when "nothing is new"; "could KAP make them worse?" is a question, not a change.
- Stop 39: stopping what keeps one alive on purpose (insulin, dialysis, seizure or heart
  medicine; food "until I die") is self-harm, unless a doctor, a switch or a procedure is
  behind it; so is a risk taken "kind of hoping". Whole messages in other languages get their
  own rules (patterns/languages.yml), because the crisis net's sentence model is English: the
  commonest words for each kind of danger, never an idiom that is everyday hyperbole there
  ("me mata"), and a symptom only when a body is in trouble now, not when it is asked about.
- Stop 40: the word "suicide" in Spanish, Portuguese, French, Italian or Romanian ("ideacion
  suicida", "idees suicidaires") is read by languages.yml, which asks whose thoughts they are
  ("tengo pensamientos suicidas" is a crisis; a question, a course or a grandfather's death long
  ago is not), and the speller no longer turns those forms into English. The past is over in
  other Englishes too ("now ok already", "I dey fine now", "not a thing for me anymore"); a
  claim read or seen online and a referral make suicide a subject; heat, needles, a lost quiz,
  a broken hotline link, a form's question and hunger ("starving to death by the end") are not
  crises, while a stranger named any way ("one man", "some guy's") following the writer now is.
- A will, life insurance or funeral wishes count as preparation only with a worrying cue
  (passwords left for a spouse, "she'll need them soon", "no point waiting"), and not around a
  diagnosis, a wedding, a new baby or time off.
"""
from __future__ import annotations

from functools import lru_cache
from typing import List, Optional

from bot.safety.detector import Detector
from bot.safety.loader import PATTERN_FILES, PATTERNS_DIR, load_detector
from bot.safety.signal import CrisisCategory, CrisisSignal
from bot.safety.text import load_spellings, normalise

# The package's modules, one job each: signal (what is answered), spec (the files' shapes),
# loader (which files, in which order), text (canonical form), prefilter (which patterns can
# match at all), detector (compiled rules and the matching loop).


@lru_cache(maxsize=1)
def _detector() -> Detector:
    return load_detector(PATTERNS_DIR)


def warm_up() -> None:
    """Load and compile the rules now (about two seconds), e.g. in the app's start-up, and the
    spellings of other scripts they read in Latin letters."""
    _detector()
    load_spellings()


def rule_names() -> List[str]:
    """Every rule name, in priority order (a CrisisSignal.rule is always one of these)."""
    return [rule.name for rule in _detector().rules]


def canonical(text: str) -> str:
    """The form rules match against (for debugging and tests)."""
    return _detector().canonical(text).strip()


def detect_crisis(text: str) -> Optional[CrisisSignal]:
    """The crisis signal in ``text``, or ``None``; never depends on anything but the text."""
    if not isinstance(text, str):
        raise TypeError(f"detect_crisis expects str, not {type(text).__name__}")
    if not text.strip():
        return None
    detector = _detector()
    found = detector.match(text)
    if found is None:
        return None
    rule, context = found
    asks = (rule.category is not CrisisCategory.medical_emergency
            and detector.asks_about_treatment(text))
    # Contexts are punctuation-free, like every crisis-path decision: "?" only moves the answer.
    subject = bool(rule.subject and context(rule.subject.when) and not any(map(context, rule.subject.unless)))
    return CrisisSignal(category=rule.category, rule=rule.name, asks_about_treatment=asks, subject_only=subject)


__all__ = ["CrisisCategory", "CrisisSignal", "detect_crisis", "normalise", "canonical", "load_detector",
           "rule_names", "warm_up", "PATTERNS_DIR", "PATTERN_FILES"]
