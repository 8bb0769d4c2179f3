"""The two failures a user must be told about plainly: their input, or AWS being out of reach."""


class InputError(Exception):
    """Bad input: a file, an option or a value. The CLI prints the message on one line and exits 2."""


class AwsUnavailable(Exception):
    """AWS could not be reached, or there are no credentials. The CLI exits 3."""


class ControlFailed(Exception):
    """A write step failed (HyperPod control); the message says what state was left and what to re-run. Exit 1."""
