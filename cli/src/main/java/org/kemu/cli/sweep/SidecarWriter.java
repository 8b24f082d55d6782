package org.kemu.cli.sweep;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The sweep's JSON sidecar, written as the cells finish: the document's fields, then its {@code runs}
 * array one run at a time. After every run the file is a complete document (the array and the object
 * are closed), and the next run overwrites those closing bytes; so a crash loses only the running cell,
 * no run is kept in memory once written (a whole matrix of 980 GiB cells used to fill the heap with
 * their lock-wait histograms), and a cell costs the writing of its own run, not of all earlier ones.
 * The finished file has the bytes {@code mapper.writeValueAsString(document) + "\n"} would give.
 */
public final class SidecarWriter implements AutoCloseable {
    private final FileChannel channel;
    private final JsonGenerator gen;
    /** What closes the document after at least one run: the pretty printer's closing of the array and the object. */
    private final byte[] closer;
    private long open;

    /**
     * Starts {@code file} with every field of {@code header} (in order) and an open {@code runs}
     * array; {@code mapper} is the indenting mapper the results use.
     */
    public SidecarWriter(Path file, ObjectMapper mapper, Map<String, Object> header) throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        OutputStream os = Channels.newOutputStream(channel);
        gen = mapper.createGenerator(os);
        gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        String lf = DefaultIndenter.SYS_LF;
        // the default pretty printer keeps arrays inline: "} ]", then the object's "}" on its own line
        closer = (" ]" + lf + "}\n").getBytes(StandardCharsets.UTF_8);
        gen.writeStartObject();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            gen.writeFieldName(e.getKey());
            gen.writeObject(e.getValue());
        }
        gen.writeFieldName("runs");
        gen.writeStartArray();
        gen.flush();
        open = channel.position();
        // the empty document until the first run lands: "[ ]" closes the same way
        channel.write(ByteBuffer.wrap(closer));
    }

    /** Appends {@code run} to the runs array; the file is a complete document again when this returns. */
    public void add(Map<String, Object> run) throws IOException {
        channel.truncate(open);
        channel.position(open);
        gen.writeObject(run);
        gen.flush();
        open = channel.position();
        channel.write(ByteBuffer.wrap(closer));
    }

    /** Closes the document through the generator (the bytes it would have written in one go). */
    @Override
    public void close() throws IOException {
        try {
            channel.truncate(open);
            channel.position(open);
            gen.writeEndArray();
            gen.writeEndObject();
            gen.flush();
            channel.write(ByteBuffer.wrap("\n".getBytes(StandardCharsets.UTF_8)));
            gen.close();
        } finally {
            channel.close();
        }
    }
}
