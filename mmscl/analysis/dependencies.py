"""The packages of the ``analysis`` extra, which a training run does not
need: imported by the analysis modules with a clear message when missing."""


def missing_analysis_dependency(error: ImportError) -> ImportError:
    """The error to raise when an import of the ``analysis`` extra fails.

    Args:
        error (ImportError): The failed import.

    Returns:
        ImportError: An error naming the missing module and the command
        that installs the extra.
    """
    return ImportError(
        f'mmscl.analysis needs the module {error.name!r}, which is not '
        "installed: install mmscl's analysis extra with "
        "`pip install -e '.[analysis]'` (in the mmscl repository).")
