"""The issue's own examples and the documented decisions (bot/safety/__init__.py), each pinned
by the messages that decided it; and what a signal carries."""
from __future__ import annotations

from typing import Optional

import pytest

from bot.safety import (
    CrisisCategory,
    CrisisSignal,
    detect_crisis,
    rule_names,
)
from tests.safety.verdicts import outcome


# --------------------------------------------------------------------------- the issue's own examples
@pytest.mark.parametrize("text, expected", [
    ("kms", CrisisCategory.self_harm),
    ("i should just kys", CrisisCategory.self_harm),
    ("unalive myself", CrisisCategory.self_harm),
    ("everyone would be better off without me", CrisisCategory.self_harm),
    ("I just want it all to stop", CrisisCategory.self_harm),
    ("I don't want to wake up", CrisisCategory.self_harm),
    ("what's the point of living", CrisisCategory.self_harm),
    ("I can't go on", CrisisCategory.self_harm),
    ("cutting myself", CrisisCategory.self_harm),
    ("I have a plan", CrisisCategory.self_harm),
    ("said goodbye to everyone", CrisisCategory.self_harm),
    ("I want to disappear forever", CrisisCategory.self_harm),
    ("I'm going to hurt him", CrisisCategory.harm_to_others),
    ("I want to kill my boss", CrisisCategory.harm_to_others),
    ("my husband hits me", CrisisCategory.abuse),
    ("I'm not safe at home", CrisisCategory.abuse),
    ("I took a bunch of pills", CrisisCategory.medical_emergency),
    ("took too much ketamine and can't breathe", CrisisCategory.medical_emergency),
    ("my friend is unresponsive", CrisisCategory.medical_emergency),
    ("I'm dying to know the price", None),
    ("this commute is killing me", None),
    ("my depression is killing my motivation", None),
    ("can ketamine kill you?", None),
    ("killer deal", None),
    ("I could kill for a coffee", None),
    ("the suspense is killing me", None),
    ("dead tired", None),
    ("I'd die of embarrassment", None),
    ("kill the pain?", None),
    ("does it help with PTSD from abuse I suffered as a child", None),
    ("overdose risk of ketamine?", None),
    ("suicide rates in depression", None),
    ("I'm not suicidal, just curious", None),
    ("I used to self-harm years ago but I'm fine now", None),
])
def test_examples_from_the_safety_issue(text: str, expected: Optional[CrisisCategory]) -> None:
    assert outcome(text) == expected


# --------------------------------------------------------------------------- decisions
@pytest.mark.parametrize("text, expected", [
    ("I'm not suicidal, just curious", None),
    ("I'm not suicidal but I think about dying every day", CrisisCategory.self_harm),
    ("I'm not actively suicidal, just passively wishing I wouldn't wake up", CrisisCategory.self_harm),
    ("I don't want to die but I don't want to live like this either", CrisisCategory.self_harm),
    ("No, I want to die", CrisisCategory.self_harm),
    ("Not really. I just want to die", CrisisCategory.self_harm),
    # Clearly past and resolved: not a crisis. A past without "but I'm fine now" still is.
    ("I used to self-harm years ago but I'm fine now", None),
    ("I used to feel suicidal", CrisisCategory.self_harm),
    ("I used to cut but I'm fine now. Lately the urges are back", CrisisCategory.self_harm),
    # Another person's past suicide is grief; another person at risk now is a crisis.
    ("My brother died by suicide five years ago", None),
    ("My brother is suicidal", CrisisCategory.self_harm),
    ("My brother shot himself two years ago", None),
    ("my dad is drunk and said he's going to shoot himself", CrisisCategory.self_harm),
    # Past abuse asked about as a treatment question; abuse happening now.
    ("My dad beat me when I was a kid, can KAP help with the trauma?", None),
    ("My dad beats me, can KAP help with the trauma?", CrisisCategory.abuse),
    # "kys" aimed at someone else is harassment, not the writer's crisis; about oneself it is.
    ("kys", None),
    ("ngl might just kys", CrisisCategory.self_harm),
    # Asking for a lethal amount is treated as method-seeking (resources AND the answer).
    ("what is the lethal dose of ketamine", CrisisCategory.self_harm),
    # Polite sign-offs get no exception: a final goodbye is often polite too.
    ("I'm done. goodbye.", CrisisCategory.self_harm),
    # Conditional plans: a strong ending after any condition, a weak one only after a failure.
    ("if KAP fails that's it for me", CrisisCategory.self_harm),
    ("if this doesn't work I'm done", CrisisCategory.self_harm),
    ("if insurance doesn't cover it I'm done with this clinic", None),
    # Abuse of someone else, and threats against the writer's own family or pets, are abuse;
    # drug abuse is not.
    ("my neighbour beats his kids", CrisisCategory.abuse),
    ("my partner keeps threatening to hurt my dog if I leave", CrisisCategory.abuse),
    ("can ketamine be abused?", None),
    ("I have a plan to kill my stepdad", CrisisCategory.harm_to_others),
    # Preparation needs a worrying cue, and not around a diagnosis.
    ("I updated my will after my cancer diagnosis", None),
    ("i updated my will and wrote down all my passwords for my wife, she'll need them soon",
     CrisisCategory.self_harm),
    # Fiction counts as fiction only when the framing sits right before the words.
    ("writing a story for english where the mc wants to die, too dark?", None),
    ("we watched a movie where the guy wants to die and now i want to die too", CrisisCategory.self_harm),
    # Laughing at something just before "I'm dying" is laughing.
    ("lmaooo i cant im literally dying that video", None),
    ("i think im dying, my chest is crushing", CrisisCategory.medical_emergency),
    # The past is over when something says so, in any words.
    ("i used to cut as a teenager, that feels like another lifetime now", None),
    ("i used to cut as a teenager, i have been free of that for fifteen years", None),
    ("i had suicidal thoughts in the past, it's not current", None),
    ("i used to cut as a teenager and lately the urges are back", CrisisCategory.self_harm),
    # Someone else's survival is their story, not the writer's; "someone" may be the writer.
    ("i read a memoir by a woman who survived a suicide attempt", None),
    ("is kap safe for someone who has attempted suicide?", CrisisCategory.self_harm),
    # Stop 29: an emoji of laughter is read as "lol"; it cancels a joke's threat, never a wish to die.
    ("if he asks me one more time where the remote is im going to murder him 😂", None),
    ("😂😂 im dying", None),
    ("I want to die 😂", CrisisCategory.self_harm),
    # Stop 29: an episode told once it is over is not an emergency now.
    ("last session I felt like I couldn't breathe but my therapist talked me through it", None),
    ("will i feel like im dying? i read about ego death", None),
    ("I felt like I couldn't breathe and it's getting worse", CrisisCategory.medical_emergency),
    # Stop 29: families the writers showed missing, and their look-alikes.
    ("sat with the barrel under my chin again tonight", CrisisCategory.self_harm),
    ("my husband put a gun to my head last night", CrisisCategory.abuse),
    ("dad's drunk and hitting my little sister", CrisisCategory.abuse),
    ("every morning I wake up disappointed that I did", CrisisCategory.self_harm),
    ("the dog ate my prep sheet so I'm going to strangle her", None),
    ("I stab myself with insulin pens four times a day, how does fasting work?", None),
    # Stop 30: reasons that make a plan ordinary, and where they stop.
    ("burning myself out with two jobs, are evening sessions possible?", None),
    ("giving my records away because we're moving to a smaller flat", None),
    ("my mum thinks I'm decluttering but I'm giving my records away so it's easy for everyone after",
     CrisisCategory.self_harm),
    ("got my affairs in order at 72, will and power of attorney done, does the clinic need a copy?", None),
    ("my affairs are in order and the pills are in the drawer", CrisisCategory.self_harm),
    ("my cousin keeps stealing my chargers, I swear I'll strangle him", None),
    ("my sister was suicidal at 19, she's 30 now and thriving", None),
    ("does ketamine get abused much at festivals?", None),
    ("I keep getting abused by my stepdad", CrisisCategory.abuse),
    ("wrote goodbye cards for the whole ward when I moved trusts", None),
    ("wrote goodbye letters to my kids when I closed the shop and now I am ready", CrisisCategory.self_harm),
    ("since my brother's suicide I just want to join him", CrisisCategory.self_harm),
    ("my husband is at the pub and I want to join him after my session", None),
    ("I used to self harm, I have scars but no urges, will that matter?", None),
    ("I feel like a burden on my wife with all the driving to sessions", None),
    ("I feel like a burden on my wife and kids", CrisisCategory.self_harm),
    ("my pills are counted out in the weekly organiser, do I take them on session day?", None),
    ("my pills are counted out on the bed next to me", CrisisCategory.self_harm),
    ("dad died before I could get there and I never got to say goodbye", None),
    ("gave away my stuff before we emigrate next month, can I do KAP abroad?", None),
    ("I haven't self harmed in like 10 years, does the assessment ask?", None),
    ("writing a short story where the main character's dad hits her, too dark for school?", None),
    ("my dad hits me when he drinks", CrisisCategory.abuse),
    ("took my old stash of pills to the pharmacy take-back today", None),
    ("I have a stash of pills in my sock drawer", CrisisCategory.self_harm),
    ("mum is in hospice and the family is gathering to say goodbye this weekend", None),
    ("said goodbye to my kids, they will be better off", CrisisCategory.self_harm),
    ("ten years ago I tried to end my life, I'm in a completely different place now", None),
    ("I'm killing myself with overtime, are evening appointments available?", None),
    ("writing a novel about a priest who wants to die, could I interview a therapist?", None),
    # Crises that first drafts of stop 30's guards swallowed ("goodbye do" as a leaving do; a
    # drug that "gets abused" after "use it").
    ("wrote goodbye letters to everyone. Do you do refunds for the sessions I will not need?",
     CrisisCategory.self_harm),
    ("he's holding his gun saying if I leave he'll use it. I'm locked in the bedroom with the baby",
     CrisisCategory.abuse),
    # Stop 34. Thoughts said to be long-standing and managed, or intrusive and disowned, are
    # answered; the same thoughts with anything changed (a date, "tonight", "not intrusive
    # anymore") keep the crisis path.
    ("chronic passive SI for years, stable, safety plan with my GP. would KAP suit me?", None),
    ("chronic passive SI for years, stable, but this week I picked a date", CrisisCategory.self_harm),
    ("OCD: images of stabbing people I love. they horrify me and I've never acted. can KAP help?", None),
    ("the intrusive thoughts about stabbing him aren't intrusive anymore. I want to do it",
     CrisisCategory.harm_to_others),
    ("having intrusive thoughts about smothering my newborn", CrisisCategory.harm_to_others),
    # A story the writer is writing, unless they say it is theirs.
    ("I'm writing a short story about an old man who decides to end his life. how would KAP go?", None),
    ("I'm writing a story about a girl who decides to end her life. it's basically me",
     CrisisCategory.self_harm),
    # A burden with a practical cause; the same burden with an ending.
    ("I feel like a burden on my sister since she's been helping with rent. what's the waitlist?", None),
    ("I'm a weight on my mum, she pays my rent. soon she won't have to pay for me ever again",
     CrisisCategory.self_harm),
    # A goodbye for a trip; a goodbye in a group chat is not ordinary.
    ("my son texted 'goodbye' as he got on the plane to start uni, so the house is quiet", None),
    ("my brother is saying goodbye to everyone in the family group chat and his door is locked",
     CrisisCategory.self_harm),
    # The writer's own past, told as over; a clinic's procedure asked about.
    ("back in 2021 i was suicidal but therapy and meds really helped. how do i start kap?", None),
    ("what does the clinic do if a patient says they're suicidal during a session? I'm not", None),
    # A joking threat from someone close; a threat that was thought a joke and is not.
    ("my husband said he'd kill me if I ate the last brownie lol. can I eat before my session?", None),
    ("he said he'd kill me if I told anyone and I thought he was joking. he just smashed my phone",
     CrisisCategory.abuse),
    # A last message with a means, a place or a time; a means in hand now. The same words with
    # nothing dangerous are not ("I just wanted someone to know I made it").
    ("I'm sitting in the woods with the belt. I don't know why I'm typing this", CrisisCategory.self_harm),
    ("I wanted to disappear at 16. I'm 34 now and I just wanted someone to know I made it", None),
    ("I've got the rope and I'm in the garage", CrisisCategory.self_harm),
    ("I have a bottle of sleeping pills I don't use anymore, how do I get rid of them safely?", None),
    # Stop 35. A burn from a hot tool is an accident, unless the writer wants it again; a goodbye
    # to a thing or at the end of the course is ordinary, a goodbye with the means in hand is not.
    ("burned myself with the glue gun making my kid's costume, should I tell the nurse?", None),
    ("burned myself with the hair straighteners and I want to do it again", CrisisCategory.self_harm),
    ("this is goodbye to my old nasal spray, switching to the lozenges next month", None),
    ("finished my whole course today and said goodbye to the team, where can I leave a review?", None),
    ("finished my course of treatment and I'm saying goodbye forever, thank you for trying",
     CrisisCategory.self_harm),
    # What the writer would do for a slot is hyperbole; the same act for the people they love is not.
    ("I'd happily walk into the sea for a Saturday slot, any chance?", None),
    ("I'd walk into the sea for my kids to be free of me", CrisisCategory.self_harm),
    ("I said I'd jump off the roof for a Saturday slot as a joke. not a joke this week",
     CrisisCategory.self_harm),
    # A threat tied to a booking is a figure of speech, unless violence already happens.
    ("my husband will strangle me if I book another session without telling him. what's the price?", None),
    ("my husband says he'll kill me if I book this. he hit me last week", CrisisCategory.abuse),
    ("he hits me if I spend money without asking", CrisisCategory.abuse),
    # A clinic's procedure for a disclosure; a past told as over in other words.
    ("what happens if a client discloses during a session that they're being hurt at home?", None),
    ("back in the nineties I used to cut. ancient history now, do I put it on the form?", None),
    # Laughter that takes the breath, a pet put to sleep, a jump for sport, a sprint drill, a
    # form too many, caffeine: figures of speech and ordinary life.
    ("couldn't breathe from laughing at the waiting room cat, is the cat always there?", None),
    ("our dog is being put to sleep on Friday and I've said goodbye. can I still keep my session?", None),
    ("coach made us run suicides for an hour, can I exercise on session days?", None),
    ("gonna overdose on cold brew before my exam lol, how much caffeine is ok on session day?", None),
    ("if I have to fill out one more PHQ-9 I'm going to jump out a window", None),
    ("if I have to get through one more night like this I'm going to jump", CrisisCategory.self_harm),
    # Someone who speaks for the people they support, unless they are hurt themselves.
    ("I'm a domestic abuse advocate, can the women we support refer themselves?", None),
    ("I'm a social worker and my partner hits me when he drinks", CrisisCategory.abuse),
    # Disowned intrusive thoughts ("never want to"); old tablets taken back; a move, not "a
    # better place".
    ("OCD: intrusive thoughts of jumping in front of trains. I step back and never want to do it", None),
    ("I have old sleeping tablets I don't need anymore, can I drop them at the pharmacy?", None),
    ("giving away my plants and furniture, moving back to Manila. can my records go to a clinic there?",
     None),
    ("giving away my plants and furniture, I'm moving to a better place soon", CrisisCategory.self_harm),
    # Rent that strangles, make-up blood, someone else's fear for the writer, death met in faith
    # (a bare "ready to meet my maker" still is a crisis), a crisis told as long over.
    ("my landlord is strangling me with this rent increase, do you have a sliding scale?", None),
    ("fake blood everywhere from my zombie costume, is the clinic open on the 31st?", None),
    ("my mum thinks I'm going to stop breathing from the ketamine, how do you monitor people?", None),
    ("ready to meet my maker whenever He calls, not a day before. what does a session cost?", None),
    ("I'm ready to meet my maker", CrisisCategory.self_harm),
    ("that was 2006, I put a pistol to my head once. sober fifteen years now and solid", None),
    # Stop 36: patients' homicidal thoughts as a matter for staff (an escalation protocol is a
    # procedure, not things getting worse), never the writer's own; asked bare, or with the
    # writer harming themselves, whom the clinic sees stays a crisis.
    ("if a client voices homicidal thoughts in session, what is your escalation protocol?", None),
    ("I'm having homicidal thoughts about my ex, do you treat that?", CrisisCategory.harm_to_others),
    ("do you treat people who self-harm?", CrisisCategory.self_harm),
    ("youth worker here, do you see teenagers who self-harm? I have been cutting myself too",
     CrisisCategory.self_harm),
    # A day picked where thoughts of dying are named, never a day for a booking; a decision to join
    # someone who died, not a trip; high risk by the writer's own reckoning, not someone else's word.
    ("the thoughts were managed, they are not now. I have picked Friday. do I still come in on Monday?",
     CrisisCategory.self_harm),
    ("I have picked Friday for my intake, is that ok?", None),
    ("my husband passed in June. I have decided to join him before Christmas", CrisisCategory.self_harm),
    ("my dad died in May, I have decided to join her in Lisbon for the summer", None),
    ("I am high risk tonight and home alone with the means", CrisisCategory.self_harm),
    ("my probation officer said I am high risk, does that affect KAP?", None),
    # Someone else's joke, a price that "would kill him", a film, a past told as behind the writer,
    # thoughts seen to monthly by a psychiatrist.
    ("my brother joked he would strangle me if I come home loopy, can someone drive me?", None),
    ("the deductible alone would kill him, is there a payment plan?", None),
    ("we are making a short film about a man who ends his life, can we film in the lobby?", None),
    ("I was suicidal in my twenties, that is all behind me now. what does KAP cost?", None),
    ("I see my psychiatrist monthly for long-standing passive thoughts of death, stable for years. do I qualify?",
     None),
    # A goodbye whose ordinary reasons are ruled out, a plan's parts listed, wanting to be found
    # before the children, last letters left to be found; the same words for a trip, a payment or
    # a slot are not. "I can't do this anymore" said of a thing ("the 7am slots, I mean") is not;
    # of life it is. An employer holding the papers with threats is abuse.
    ("goodbye everyone. not moving, not retiring, just going", CrisisCategory.self_harm),
    ("goodbye for now, not moving, just going on holiday next week", None),
    ("date, place and method are all written down. friday.", CrisisCategory.self_harm),
    ("whats the method and date of payment for the deposit?", None),
    ("please have someone find me before my kids get home", CrisisCategory.self_harm),
    ("can you find me a slot before the kids get home?", None),
    ("I left my final letters on the desk where they will be found", CrisisCategory.self_harm),
    ("I cant do this anymore. the 7am appointments, I mean. anything later?", None),
    ("I cant do this anymore. this life I mean", CrisisCategory.self_harm),
    ("my uncle says he will bury me if I complain about the drive once more. do you have parking?", None),
    ("the farm boss keeps our passports and threatens us if we complain. we cant leave", CrisisCategory.abuse),
    ("my boss keeps my phone during shifts so I cant call you back until 6", None),
])
def test_documented_decisions(text: str, expected: Optional[CrisisCategory]) -> None:
    assert outcome(text) == expected


def test_signal_names_a_rule_and_carries_no_text() -> None:
    signal = detect_crisis("Honestly Marguerite, I want to kill myself tonight")
    assert isinstance(signal, CrisisSignal)
    assert signal.rule in rule_names()
    assert "marguerite" not in signal.json().lower() and "tonight" not in signal.json()
    with pytest.raises(TypeError):
        signal.rule = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\u200b", "?!", "👍"])
def test_empty_or_symbol_only_messages(text: str) -> None:
    assert detect_crisis(text) is None


def test_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        detect_crisis(None)  # type: ignore[arg-type]


def test_a_long_message_is_read_to_the_end() -> None:
    filler = "I have a question about how the sessions work and what they cost. " * 60
    assert outcome(filler) is None
    assert outcome(filler + "Also I took a bunch of pills.") is CrisisCategory.medical_emergency
