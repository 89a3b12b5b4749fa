"""The one error the decoder raises for input it cannot read."""


class MetadataError(ValueError):
    """The tensors do not match the metadata, or the metadata is not one this decoder reads."""
