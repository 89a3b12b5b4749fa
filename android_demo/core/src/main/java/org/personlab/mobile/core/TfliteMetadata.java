package org.personlab.mobile.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads one named entry of a .tflite model's own metadata (the flatbuffer Model table's `metadata`
 * vector of (name, buffer index), the bytes in `buffers[index].data`): where the exporter embeds the
 * artifact's metadata JSON. Only the few fields needed are read; every offset is bounds-checked.
 */
public final class TfliteMetadata {
    /** The entry the exporter writes (export/metadata.py METADATA_NAME). */
    public static final String PERSONLAB = "personlab_metadata";

    private static final int MODEL_BUFFERS = 4; // field ids in tensorflow/lite/schema/schema.fbs
    private static final int MODEL_METADATA = 6;
    private static final int BUFFER_DATA = 0;
    private static final int BUFFER_OFFSET = 1;
    private static final int BUFFER_SIZE = 2;
    private static final int METADATA_NAME = 0;
    private static final int METADATA_BUFFER = 1;

    private final ByteBuffer b;

    private TfliteMetadata(ByteBuffer model) {
        b = model.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.position(0);
    }

    /** The UTF-8 text of entry {@code name}; MetadataException when the model has none or is malformed. */
    public static String readText(ByteBuffer model, String name) {
        return new String(read(model, name), StandardCharsets.UTF_8);
    }

    /** The bytes of entry {@code name}. */
    public static byte[] read(ByteBuffer model, String name) {
        try {
            return new TfliteMetadata(model).entry(name);
        } catch (IndexOutOfBoundsException err) {
            throw new MetadataException("not a valid .tflite flatbuffer (" + err.getMessage() + ")", err);
        }
    }

    private byte[] entry(String name) {
        if (b.limit() < 8 || b.get(4) != 'T' || b.get(5) != 'F' || b.get(6) != 'L' || b.get(7) != '3') {
            throw new MetadataException("not a .tflite model (no TFL3 identifier)");
        }
        int model = u32(0);
        int metadata = field(model, MODEL_METADATA);
        if (metadata < 0) {
            throw new MetadataException("the model has no metadata entries (want '" + name + "')");
        }
        int vec = metadata + u32(metadata);
        int n = u32(vec);
        for (int i = 0; i < n; i++) {
            int entry = table(vec + 4 + 4 * i);
            int nameField = field(entry, METADATA_NAME);
            if (nameField >= 0 && name.equals(string(nameField + u32(nameField)))) {
                int bufferField = field(entry, METADATA_BUFFER);
                return buffer(model, bufferField < 0 ? 0 : u32(bufferField));
            }
        }
        throw new MetadataException("the model has no metadata entry '" + name + "'");
    }

    private byte[] buffer(int model, int index) {
        int buffers = field(model, MODEL_BUFFERS);
        int vec = buffers + u32(buffers);
        if (index < 0 || index >= u32(vec)) {
            throw new MetadataException("metadata buffer " + index + " is out of range");
        }
        int buffer = table(vec + 4 + 4 * index);
        int data = field(buffer, BUFFER_DATA);
        if (data >= 0) {
            int bytes = data + u32(data);
            return slice(bytes + 4, u32(bytes));
        }
        int offset = field(buffer, BUFFER_OFFSET); // large models keep buffers after the flatbuffer
        int size = field(buffer, BUFFER_SIZE);
        if (offset < 0 || size < 0) {
            return new byte[0];
        }
        return slice(Math.toIntExact(b.getLong(offset)), Math.toIntExact(b.getLong(size)));
    }

    /** The table a uoffset at {@code at} points to. */
    private int table(int at) {
        return at + u32(at);
    }

    /** Absolute position of field {@code id} of the table at {@code table}, -1 when absent. */
    private int field(int table, int id) {
        int vtable = table - b.getInt(table);
        int vsize = b.getShort(vtable) & 0xFFFF;
        int slot = 4 + 2 * id;
        if (slot >= vsize) {
            return -1;
        }
        int off = b.getShort(vtable + slot) & 0xFFFF;
        return off == 0 ? -1 : table + off;
    }

    private int u32(int at) {
        int v = b.getInt(at);
        if (v < 0) {
            throw new IndexOutOfBoundsException("offset " + (v & 0xFFFFFFFFL) + " at " + at);
        }
        return v;
    }

    private String string(int at) {
        return new String(slice(at + 4, u32(at)), StandardCharsets.UTF_8);
    }

    private byte[] slice(int at, int n) {
        if (at < 0 || n < 0 || at + n > b.limit()) {
            throw new IndexOutOfBoundsException(n + " bytes at " + at + " in " + b.limit());
        }
        byte[] out = new byte[n];
        ByteBuffer d = b.duplicate();
        d.position(at);
        d.get(out);
        return out;
    }
}
