"""The error families. The CLI turns each into one line on stderr and exit code 2."""


class WeightfitError(Exception):
    """Base class of weightfit's own errors."""


class DataError(WeightfitError, ValueError):
    """A price file or frame that cannot be read as it is: names the file, the place and the fix."""


class ConfigError(WeightfitError, ValueError):
    """A setting that cannot work: names the setting, the value and what is allowed."""
