import os

from django.conf import settings


def test_data_dir_is_the_test_one():
    assert str(settings.DATA_DIR).startswith(os.path.realpath(os.environ["BMNN_DATA_DIR"]))
