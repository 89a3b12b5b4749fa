package org.personlab.mobile.core;

/** The tensors do not match the metadata, or the metadata is not one this decoder reads (Python: MetadataError). */
public class MetadataException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public MetadataException(String message) {
        super(message);
    }

    public MetadataException(String message, Throwable cause) {
        super(message, cause);
    }
}
