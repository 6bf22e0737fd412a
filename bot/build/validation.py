"""Checks behind ``kapbot validate``: content, clinic configuration and Rasa data."""
from __future__ import annotations

from typing import List

from bot.build.spacy_pipeline import load_terminology
from bot.content.answers import render
from bot.content.clinic import Clinic, load_clinic
from bot.content.files import CATALOGUE_FILE
from bot.content.library import load_library
from bot.errors import KapbotError
from bot.settings import Settings


def validate_content(settings: Settings) -> List[str]:
    """Every problem found, as 'file: field: reason'; empty when all is well."""
    try:
        library = load_library(settings.content_dir)
        clinic = load_clinic(settings.clinic_file)
        load_terminology(settings.terminology_file)
    except KapbotError as exc:
        return [str(exc)]
    problems = [
        f"{settings.content_dir / CATALOGUE_FILE}: topics: no content for '{topic.id}'"
        for topic in library.catalogue.topics
        if topic.id not in library.entries
    ]
    # Each template must render for this clinic and for one that published nothing.
    for candidate in (clinic, Clinic(name=clinic.name)):
        for entry in library.entries.values():
            for more in (False, True):
                try:
                    render(entry, library, candidate, more=more)
                except KapbotError as exc:
                    problems.append(str(exc))
    return list(dict.fromkeys(problems))


def validate_rasa(settings: Settings) -> bool:
    """Rasa's own data validation (domain, NLU, stories, rules); True when clean."""
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    importer = TrainingDataImporter.load_from_config(
        config_path=str(settings.rasa_config_file),
        domain_path=str(settings.domain_file),
        training_data_paths=[str(settings.data_dir)],
    )
    validator = Validator.from_importer(importer)
    return all(
        (
            validator.verify_domain_validity(),
            validator.verify_actions_in_stories_rules(),
            validator.verify_forms_in_stories_rules(),
            validator.verify_form_slots(),
            validator.verify_slot_mappings(),
            validator.verify_nlu(ignore_warnings=False),
            validator.verify_story_structure(ignore_warnings=False),
        )
    )
