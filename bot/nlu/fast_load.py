"""Rasa's DIETClassifier, loaded without a training step.

To load a trained model, Rasa first trains it on one example (``RasaModel.load``), only
so that every weight and the optimizer's state exist before the saved values are read
in. Tracing that training step was most of the time DIET took to load (6 s of 8). A
model that only predicts needs neither the training graph nor the optimizer: here the
saved weights are read first and each one is filled in as the prediction graph creates
it (TensorFlow's deferred restoration), then one prediction traces that graph, as Rasa
does. Predictions are identical (tests/test_fast_load.py). Fine-tuning still goes through
Rasa's own path.
"""
from __future__ import annotations

from typing import Any, Optional, Text, Type

import tensorflow as tf
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

from bot.errors import ModelError


class _LoadsForPrediction(RasaModel):
    @classmethod
    def load(
        cls,
        model_file_name: Text,
        model_data_example: RasaModelData,
        predict_data_example: Optional[RasaModelData] = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        if finetune_mode or predict_data_example is None:
            return super().load(
                model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
            )
        model = cls(*args, **kwargs)
        config = kwargs.get("config", {})
        model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                      run_eagerly=config.get(RUN_EAGERLY))
        status = model.load_weights(model_file_name)
        model.run_inference(predict_data_example)  # creates (and so restores) every weight it uses
        try:
            # Every weight the prediction made must have come from the file; the
            # optimizer's saved state is all that may go unread.
            status.assert_existing_objects_matched()
        except AssertionError as exc:
            raise ModelError(f"{model_file_name}: weights missing from the saved model ({exc})") from exc
        status.expect_partial()
        return model


class _DIET(_LoadsForPrediction, DIET):
    pass


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class FastLoadDIETClassifier(DIETClassifier):
    """DIETClassifier, as configured and trained by Rasa; only its loading differs."""

    @staticmethod
    def model_class() -> Type[RasaModel]:
        return _DIET
