package dev.jvmllm.onnx.internal.graph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * An ONNX graph under construction and its serialisation as a {@code ModelProto}. Nodes are
 * added in topological order; every method that adds a node returns the names of its outputs,
 * so graph-building code reads like the computation it describes.
 *
 * <p>Initializer data is supplied lazily and read only while the file is written, one tensor at
 * a time, so converting a large model never holds all its weights on the heap at once. Tensors
 * larger than the external-data threshold go to {@code <model>.data} next to the model file,
 * which is how ONNX stores models beyond protobuf's 2 GiB message limit.
 */
public final class OnnxGraph {
    /** ONNX IR version 8 is the one that goes with opset 17 and is read by every current runtime. */
    private static final long IR_VERSION = 8;
    private static final int EXTERNAL_ALIGNMENT = 4096;

    /** ONNX tensor element types ({@code TensorProto.DataType}) this project writes. */
    public enum ElementType {
        FLOAT(1, Float.BYTES), INT64(7, Long.BYTES), BOOL(9, 1);

        final int code;
        final int bytes;

        ElementType(int code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }

        /** The {@code TensorProto.DataType} number, as the {@code to} attribute of Cast wants it. */
        public long code() {
            return code;
        }
    }

    /** A node attribute; build with the static factories. */
    public static final class Attribute {
        private final ProtoWriter proto;

        private Attribute(String name, int type) {
            proto = new ProtoWriter().string(1, name).varint(20, type);
        }

        /** An INT attribute. */
        public static Attribute of(String name, long value) {
            Attribute a = new Attribute(name, 2);
            a.proto.varint(3, value);
            return a;
        }

        /** A FLOAT attribute. */
        public static Attribute of(String name, float value) {
            Attribute a = new Attribute(name, 1);
            a.proto.float32(2, value);
            return a;
        }

        /** An INTS attribute. */
        public static Attribute ints(String name, long... values) {
            Attribute a = new Attribute(name, 7);
            a.proto.packedVarints(8, values);
            return a;
        }
    }

    private record Initializer(String name, ElementType type, long[] dims, Supplier<ByteBuffer> data) {
        long byteSize() {
            long n = type.bytes;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    private final String name;
    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<Initializer> initializers = new ArrayList<>();
    private final List<ProtoWriter> inputs = new ArrayList<>();
    private final List<ProtoWriter> outputs = new ArrayList<>();
    private int nextId;

    /** @param name the graph's name, stored in the file */
    public OnnxGraph(String name) {
        this.name = name;
    }

    /** Adds a node with one output and returns the output's (generated) name. */
    public String node(String opType, List<String> inputNames, Attribute... attributes) {
        return nodeWithOutputs(opType, inputNames, 1, attributes).getFirst();
    }

    /** Adds a node with one output of the given name, such as a graph output. */
    public String namedNode(String opType, String outputName, List<String> inputNames, Attribute... attributes) {
        addNode(opType, inputNames, List.of(outputName), attributes);
        return outputName;
    }

    /** Adds a node with several outputs and returns their (generated) names. */
    public List<String> nodeWithOutputs(String opType, List<String> inputNames, int outputCount, Attribute... attributes) {
        List<String> outputNames = new ArrayList<>(outputCount);
        int id = nextId;
        for (int i = 0; i < outputCount; i++) {
            outputNames.add(opType.toLowerCase() + "_" + id + (outputCount > 1 ? "_" + i : ""));
        }
        addNode(opType, inputNames, outputNames, attributes);
        return outputNames;
    }

    private void addNode(String opType, List<String> inputNames, List<String> outputNames, Attribute... attributes) {
        ProtoWriter node = new ProtoWriter();
        inputNames.forEach(input -> node.string(1, input));
        outputNames.forEach(output -> node.string(2, output));
        node.string(3, opType + "_" + nextId++);
        node.string(4, opType);
        for (Attribute attribute : attributes) {
            node.message(5, attribute.proto);
        }
        nodes.add(node);
    }

    /** Adds a float initializer whose values are produced when the file is written. */
    public String floats(String tensorName, long[] dims, Supplier<float[]> data) {
        initializers.add(new Initializer(tensorName, ElementType.FLOAT, dims.clone(), () -> {
            float[] values = data.get();
            checkCount(tensorName, dims, values.length);
            ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(values);
            return bytes;
        }));
        return tensorName;
    }

    /** Adds a small float constant (a scalar when {@code dims} is empty). */
    public String floatConstant(String tensorName, long[] dims, float... values) {
        float[] copy = values.clone();
        return floats(tensorName, dims, () -> copy);
    }

    /** Adds an int64 constant (a scalar when {@code dims} is empty). */
    public String longConstant(String tensorName, long[] dims, long... values) {
        long[] copy = values.clone();
        initializers.add(new Initializer(tensorName, ElementType.INT64, dims.clone(), () -> {
            checkCount(tensorName, dims, copy.length);
            ByteBuffer bytes = ByteBuffer.allocate(copy.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asLongBuffer().put(copy);
            return bytes;
        }));
        return tensorName;
    }

    /** A 1-D int64 constant, the usual form of shapes and axes. */
    public String longs(String tensorName, long... values) {
        return longConstant(tensorName, new long[] {values.length}, values);
    }

    /**
     * Declares a graph input. Each dimension is a {@link Long} (fixed size) or a {@link String}
     * (a named dynamic size such as {@code "batch_size"}).
     */
    public void input(String inputName, ElementType type, Object... dims) {
        inputs.add(valueInfo(inputName, type, dims));
    }

    /** Declares a graph output; dimensions as in {@link #input}. */
    public void output(String outputName, ElementType type, Object... dims) {
        outputs.add(valueInfo(outputName, type, dims));
    }

    /**
     * Writes the model file, and {@code <file name>.data} when some initializer is larger than
     * {@code externalThreshold} bytes.
     *
     * @param opset the ONNX operator set version the nodes follow
     */
    public void write(Path file, int opset, String producer, long externalThreshold) {
        String dataName = file.getFileName() + ".data";
        Path dataFile = file.resolveSibling(dataName);
        try {
            Files.deleteIfExists(dataFile);
            ProtoWriter graph = new ProtoWriter();
            nodes.forEach(node -> graph.message(1, node));
            graph.string(2, name);
            try (ExternalData external = new ExternalData(dataFile, dataName)) {
                for (Initializer initializer : initializers) {
                    graph.message(5, tensor(initializer, initializer.byteSize() > externalThreshold ? external : null));
                }
            }
            inputs.forEach(input -> graph.message(11, input));
            outputs.forEach(output -> graph.message(12, output));
            ProtoWriter model = new ProtoWriter()
                    .varint(1, IR_VERSION)
                    .string(2, producer)
                    .message(7, graph)
                    .message(8, new ProtoWriter().string(1, "").varint(2, opset));
            Files.write(file, model.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static ProtoWriter tensor(Initializer initializer, ExternalData external) throws IOException {
        ProtoWriter tensor = new ProtoWriter()
                .packedVarints(1, initializer.dims)
                .varint(2, initializer.type.code)
                .string(8, initializer.name);
        ByteBuffer data = initializer.data.get();
        if (external == null) {
            byte[] raw = new byte[data.remaining()];
            data.get(raw);
            return tensor.bytes(9, raw);
        }
        long offset = external.append(data);
        return tensor
                .message(13, new ProtoWriter().string(1, "location").string(2, external.location))
                .message(13, new ProtoWriter().string(1, "offset").string(2, Long.toString(offset)))
                .message(13, new ProtoWriter().string(1, "length").string(2, Long.toString(initializer.byteSize())))
                .varint(14, 1); // data_location = EXTERNAL
    }

    /** The external data file, created on first use; tensors start at page boundaries so runtimes can map them. */
    private static final class ExternalData implements AutoCloseable {
        private final Path file;
        private final String location;
        private FileChannel out;
        private long size;

        ExternalData(Path file, String location) {
            this.file = file;
            this.location = location;
        }

        long append(ByteBuffer data) throws IOException {
            if (out == null) {
                out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
            }
            long offset = (size + EXTERNAL_ALIGNMENT - 1) / EXTERNAL_ALIGNMENT * EXTERNAL_ALIGNMENT;
            size = offset + data.remaining();
            while (data.hasRemaining()) {
                out.write(data, offset + data.position()); // the gap before offset reads back as zeros
            }
            return offset;
        }

        @Override
        public void close() throws IOException {
            if (out != null) {
                out.close();
            }
        }
    }

    private static ProtoWriter valueInfo(String valueName, ElementType type, Object... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (Object dim : dims) {
            ProtoWriter dimension = switch (dim) {
                case Long size -> new ProtoWriter().varint(1, size);
                case Integer size -> new ProtoWriter().varint(1, size);
                case String param -> new ProtoWriter().string(2, param);
                default -> throw new IllegalArgumentException("a dimension is a Long or a String, not " + dim);
            };
            shape.message(1, dimension);
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, type.code).message(2, shape);
        return new ProtoWriter().string(1, valueName).message(2, new ProtoWriter().message(1, tensorType));
    }

    private static void checkCount(String tensorName, long[] dims, int count) {
        long expected = 1;
        for (long d : dims) {
            expected *= d;
        }
        if (expected != count) {
            throw new IllegalArgumentException("tensor " + tensorName + " has " + count + " values but its shape needs "
                    + expected);
        }
    }
}
