"""The ``kapbot`` command: build, train, validate, serve and chat."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from bot.curation.report import ReportFormat
from bot.settings import Settings, get_settings
from bot.staff.outbox import StaffOutbox
from bot.storage.database import open_database

app = typer.Typer(help="kapbot: a patient-education assistant for KAP clinics.", no_args_is_help=True)


def _settings() -> Settings:
    settings = get_settings()
    # Rasa's config names the spaCy pipeline by a path relative to the project.
    os.chdir(settings.project_dir)
    from bot.log import configure_logging

    configure_logging(settings.log_level)
    return settings


@app.command()
def build() -> None:
    """Build the spaCy pipeline, fetch the sentence model, write the generated Rasa files."""
    from bot.build.training import build as build_all

    result = build_all(_settings())
    typer.echo(f"spaCy pipeline {'rebuilt' if result.spacy_rebuilt else 'up to date'}; "
               f"sentence model {'fetched' if result.sentence_model_fetched else 'up to date'}; "
               f"generated data {'rewritten' if result.data_changed else 'up to date'}")


@app.command()
def train(force: bool = typer.Option(False, help="Train even if nothing changed.")) -> None:
    """Train the model when content, data or config changed (else reuse it)."""
    from bot.build.training import train as train_model

    result = train_model(_settings(), force=force)
    typer.echo(f"{'model' if result.trained else 'unchanged'}: {result.model}")


@app.command()
def validate(rasa: bool = typer.Option(True, help="Also run Rasa's data validation.")) -> None:
    """Check content, clinic configuration and training data; exit 1 on any problem."""
    from bot.build.validation import validate_content, validate_rasa

    settings = _settings()
    problems = validate_content(settings)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo("content and clinic configuration: ok")
    if rasa:
        from bot.build.training import build as build_all

        build_all(settings)
        if not validate_rasa(settings):
            typer.echo("Rasa data validation found problems (see above)", err=True)
            raise typer.Exit(1)
        typer.echo("Rasa data: ok")


@app.command()
def serve(
    host: Optional[str] = typer.Option(None, help="Default: 127.0.0.1"),
    port: Optional[int] = typer.Option(None, help="Default: 8000"),
    workers: int = typer.Option(1, min=1, max=32, help="Processes on one port; more than 1 needs KAPBOT_REDIS_URL."),
) -> None:
    """Serve the API, widget and channels: one process, or several sharing one address."""
    import uvicorn

    from api.main import create_asgi_app

    settings = _settings()
    # The app is told the address it is served on: the demo page's origin is on
    # the CORS allowlist by default.
    settings = settings.copy(update={"host": host or settings.host, "port": port or settings.port})
    level = settings.log_level.lower()
    if workers == 1:
        # Logs name paths and statuses, never bodies.
        uvicorn.run(create_asgi_app(settings), host=settings.host, port=settings.port, log_level=level, access_log=True)
        return
    if not settings.redis:
        # Without a shared lock two processes could interleave one conversation's turns.
        raise typer.BadParameter("several workers share conversations through Redis: set KAPBOT_REDIS_URL",
                                 param_hint="--workers")
    # Each worker is a process of its own that builds its settings from the environment
    # (uvicorn starts workers from an import string), so the address goes down that way.
    os.environ.update({"KAPBOT_HOST": settings.host, "KAPBOT_PORT": str(settings.port)})
    uvicorn.run("api.main:create_asgi_app", factory=True, workers=workers,
                host=settings.host, port=settings.port, log_level=level, access_log=True)


@app.command()
def chat(sender_id: str = typer.Option("terminal", help="Conversation id to use.")) -> None:
    """Talk to the assistant in the terminal (Ctrl-D to quit)."""
    from bot.engine import Assistant

    assistant = Assistant.load(_settings())
    typer.echo("kapbot is ready. Type a question (Ctrl-D to quit).")
    asyncio.run(_chat_loop(assistant, sender_id))


async def _chat_loop(assistant, sender_id: str) -> None:
    loop = asyncio.get_running_loop()
    while True:
        try:
            text = (await loop.run_in_executor(None, input, "you> ")).strip()
        except EOFError:
            typer.echo()
            return
        if not text:
            continue
        reply = await assistant.respond(sender_id, text)
        for message in reply.messages:
            typer.echo(f"bot> {message.text}")
            for number, button in enumerate(message.buttons, 1):
                typer.echo(f"     [{number}] {button.title}")
        if reply.topic:
            typer.echo(f"     (topic: {reply.topic}{', crisis' if reply.crisis else ''})")


@app.command("eval")
def evaluate(
    paths: List[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Sets like shared/eval/dev.yml."),
    sweep: bool = typer.Option(True, help="Also print the trade-off at other thresholds."),
) -> None:
    """Score question sets: right, resolved, wrong and clarified rates, per-topic recall, confusions."""
    import tempfile

    from bot.build.calibration import format_sweep
    from bot.build.calibration import sweep as sweep_thresholds
    from bot.build.evaluation import format_report, load_question_set, run
    from bot.engine import Assistant
    from bot.nlu.confidence import configured_thresholds

    # A throwaway conversation store: evaluation must not fill the real one.
    settings = _settings().copy(update={"var_dir": Path(tempfile.mkdtemp(prefix="kapbot-eval-"))})
    assistant = Assistant.load(settings)
    thresholds = configured_thresholds(settings.rasa_config_file)

    async def score_all() -> None:
        for path in paths:
            report = await run(assistant, load_question_set(path))
            typer.echo(f"== {path}")
            typer.echo(format_report(report))
            if sweep:
                rows = sweep_thresholds(report.topic_outcomes, thresholds, assistant.knowledge.library)
                typer.echo(format_sweep(rows, thresholds))

    asyncio.run(score_all())


@app.command()
def redteam(
    files: List[Path] = typer.Argument(None, exists=True, dir_okay=False,
                                       help="Red-team lists (default: tuning and validation sets)."),
    form: List[Path] = typer.Option(
        None, exists=True, dir_okay=False,
        help="Replies typed into the contact form, which must not fire at the form's threshold "
             "(default: tests/redteam/validation/form_replies.yml).",
    ),
    ordinary: List[Path] = typer.Option(
        None, exists=True, dir_okay=False,
        help="Eval sets whose questions must not fire (default: tests/eval/calibration.yml).",
    ),
    misses: bool = typer.Option(False, help="List the messages either net gets wrong."),
) -> None:
    """Recall and false alarms of the crisis rules, the model's crisis net, and both."""
    import tempfile

    from bot.build.redteam import (
        default_files,
        format_results,
        load_redteam,
        ordinary_questions,
        probe,
        rule_threshold,
        with_questions,
    )
    from bot.engine import Assistant
    from bot.nlu.confidence import configured_thresholds
    from bot.nlu.crisis_classifier import configured_crisis

    settings = _settings().copy(update={"var_dir": Path(tempfile.mkdtemp(prefix="kapbot-redteam-"))})
    default_redteam, default_form, default_ordinary = default_files(settings.project_dir)
    try:
        sources = [(load_redteam(p), False) for p in files or default_redteam]
        sources += [(load_redteam(p), True) for p in form or ([] if files else default_form)]
        questions = [ordinary_questions(p) for p in ordinary or default_ordinary]
        sources += [(q, False) for q in questions]
        if not files:  # the validation sets again, each message followed by a question of the first eval set
            validation = [p for p in default_redteam if p.parent.name == "validation"]
            sources += [(with_questions(load_redteam(p), questions[0]), False) for p in validation]
    except (ValueError, KeyError, TypeError) as exc:  # a list that is not a red-team list
        raise typer.BadParameter(f"not a red-team or eval set: {exc}") from exc
    assistant = Assistant.load(settings)
    thresholds = configured_thresholds(settings.rasa_config_file)

    async def run_all() -> List:
        return [await probe(assistant, source, form_reply) for source, form_reply in sources]

    results = asyncio.run(run_all())
    typer.echo(format_results(results, thresholds, misses))
    floor = configured_crisis(settings.rasa_config_file).lowest_safe_threshold()
    picked = rule_threshold(results, settings.project_dir, floor)
    if picked is not None:
        typer.echo(f"the thresholds config.yml's rule picks on these sets: {picked.crisis:.2f}, "
                   f"{picked.crisis_in_form:.2f} in the contact form")


@app.command()
def report(
    since: str = typer.Option("30d", help="How far back: a number and h, d or w."),
    format: ReportFormat = typer.Option(ReportFormat.MD, "--format", help="md or csv."),
) -> None:
    """Questions the assistant was unsure about, grouped by similar wording, with the topics visitors picked."""
    import datetime as dt

    from bot.content.knowledge import Knowledge
    from bot.curation.log import CurationLog
    from bot.curation.report import as_csv, as_markdown, group, parse_since

    try:
        span = parse_since(since)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from exc
    settings = _settings()
    keep_days = Knowledge.from_settings(settings).clinic.retention_days
    start = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - span
    groups = group(CurationLog(open_database(settings)).since(start, keep_days))
    typer.echo(as_markdown(groups, since) if format is ReportFormat.MD else as_csv(groups), nl=False)
    typer.echo()


@app.command()
def purge(dry_run: bool = typer.Option(False, "--dry-run", help="Only count what would be deleted.")) -> None:
    """Delete what clinic.yml's data_retention.days (and consultations.keep_days) say goes."""
    from bot.content.knowledge import Knowledge
    from bot.staff.consultations import ConsultationStore
    from bot.storage.retention import purge_expired

    settings = _settings()
    clinic = Knowledge.from_settings(settings).clinic
    verb = "would delete" if dry_run else "deleted"
    if clinic.retention_days is None:
        typer.echo("clinic.yml sets no data_retention.days: conversations are kept.")
    for what, count in purge_expired(open_database(settings), clinic.retention_days, dry_run=dry_run).items():
        typer.echo(f"{verb} {count} {what} older than {clinic.retention_days} days")
    if clinic.consultation_keep_days is not None:
        requests = ConsultationStore(StaffOutbox.from_settings(settings)).purge(clinic.consultation_keep_days, dry_run)
        typer.echo(f"{verb} {requests} consultation request(s) older than {clinic.consultation_keep_days} days")


@app.command()
def alerts(failed: bool = typer.Option(False, "--failed", help="Only alerts that could not be delivered.")) -> None:
    """Staff alerts still being retried, and those that failed (never the visitor's words)."""
    from bot.staff.alerts import alert_records
    from bot.staff.outbox import DeliveryStatus

    outbox = StaffOutbox.from_settings(_settings())
    shown = alert_records(outbox, DeliveryStatus.failed) if failed else [
        r for r in alert_records(outbox) if r.status is not DeliveryStatus.sent
    ]
    if not shown:
        typer.echo("No failed staff alerts." if failed else "No pending or failed staff alerts.")
        return
    typer.echo("id  status   tries  raised (UTC)         category           channel  opted out  last error")
    for r in shown:
        typer.echo(
            f"{r.id:<3} {r.status.value:<8} {r.attempts:<6} {r.created_at:%Y-%m-%d %H:%M:%S}  "
            f"{r.category:<18} {r.channel:<8} {'yes' if r.opted_out else 'no':<10} {r.last_error or ''}"
        )
    if any(r.status is DeliveryStatus.failed for r in shown):
        raise typer.Exit(1)


@app.command()
def requests(
    pending: bool = typer.Option(False, "--pending", help="Only requests not yet delivered everywhere."),
) -> None:
    """Consultation requests visitors sent, and whether each reached the clinic's destinations."""
    from bot.content.knowledge import Knowledge
    from bot.staff.consultations import ConsultationStore, Delivery

    settings = _settings()
    store = ConsultationStore(StaffOutbox.from_settings(settings))
    store.purge(Knowledge.from_settings(settings).clinic.consultation_keep_days)
    shown = store.requests(pending_only=pending)
    if not shown:
        typer.echo("No undelivered consultation requests." if pending else "No consultation requests.")
        return
    typer.echo("id  received (UTC)     delivery   name                 contact                   channel")
    for s in shown:
        r = s.request
        typer.echo(f"{s.id:<3} {r.created_at:%Y-%m-%d %H:%M}   {s.delivery.value:<10} {r.name:<20} "
                   f"{r.contact:<25} {r.channel}")
        for destination, status in s.destinations.items():
            typer.echo(f"      {status.value:<8} {destination}")
    if any(s.delivery is Delivery.failed for s in shown):
        raise typer.Exit(1)


staff_app = typer.Typer(help="Users of the staff inbox at /staff (off until one exists).", no_args_is_help=True)
app.add_typer(staff_app, name="staff")


@staff_app.command("add")
def staff_add(
    username: str = typer.Argument(..., help="1-64 letters, digits or . _ @ -"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin (scripts)."),
) -> None:
    """Add a staff user, or set a new password for one; the password is stored only as an argon2 hash."""
    from pydantic import SecretStr

    from bot.staff.inbox import StaffDirectory

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:  # hidden, asked twice: a typo would lock the user out
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        StaffDirectory(open_database(_settings())).add_user(username, SecretStr(password))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"staff user {username!r} can now log in at /staff")


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="kapbot")


if __name__ == "__main__":  # pragma: no cover
    main()
