"""An artist's image folder as training data, one job per module:

    settings.py  DataConfig (shape, crop or pad, background, classes), parse_color
    files.py     finding the picture files and reading their bytes (never writing into the folder)
    decode.py    one file's bytes -> uint8 pixels in the run's shape (ImageError with a reason)
    folder.py    ImageFolder: scan, decode in a thread pool, report, the uint8 cache in the run

The names below are the ones the rest of the studio imports from `studio.core.data`.
"""

from studio.core.data.decode import MAX_PIXELS, decode_image
from studio.core.data.files import IMAGE_SUFFIXES, MAX_FILE_BYTES, ImageError, SkippedFile, scan_folder
from studio.core.data.folder import ImageFolder, ImportReport, ProgressFn
from studio.core.data.settings import FIT_MODES, MAX_RESOLUTION, MIN_RESOLUTION, DataConfig, parse_color

__all__ = ["FIT_MODES", "IMAGE_SUFFIXES", "MAX_FILE_BYTES", "MAX_PIXELS", "MAX_RESOLUTION", "MIN_RESOLUTION",
           "DataConfig", "ImageError", "ImageFolder", "ImportReport", "ProgressFn", "SkippedFile", "decode_image",
           "parse_color", "scan_folder"]
