package org.quantrace.measure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/**
 * One ONNX Runtime session over a single-input model, read at its scores output (the first of real numbers): float inputs are fed as they are,
 * integer inputs as q = round(r / s) + z with the scale of the model's own input DequantizeLinear;
 * integer outputs are read back as r = s (q - z).
 */
final class LoadedModel implements AutoCloseable {

	static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

	final Path path;
	final ModelProto proto;
	final OrtSession session;
	final String input;
	final String output;
	final OnnxJavaType inputType;
	final OnnxJavaType outputType;
	private final IoScales inputScales;
	private final IoScales outputScales;

	private LoadedModel(Path path, ModelProto proto, OrtSession session) throws OrtException {
		this.path = path;
		this.proto = proto;
		this.session = session;
		if (session.getInputNames().size() != 1 || session.getOutputNames().size() < 1) {
			throw new IllegalArgumentException(path + ": expected one input and at least one output, found inputs " + session.getInputNames());
		}
		input = session.getInputNames().iterator().next();
		output = scoresOutput(session, path);
		inputType = type(session.getInputInfo().get(input));
		outputType = type(session.getOutputInfo().get(output));
		inputScales = inputType == OnnxJavaType.FLOAT || inputType == OnnxJavaType.INT64 ? null
				: IoScales.ofInput(proto, input).orElseThrow(() -> new IllegalArgumentException(
						path + ": integer input '" + input + "' is not read by a DequantizeLinear with a constant scale"));
		outputScales = outputType == OnnxJavaType.FLOAT ? null
				: IoScales.ofOutput(proto, output).orElseThrow(() -> new IllegalArgumentException(
						path + ": integer output '" + output + "' is not written by a QuantizeLinear with a constant scale"));
	}

	/**
	 * The first output holding real numbers (float, or uint8/int8 codes): a classifier exported by skl2onnx lists its
	 * int64 label before its probabilities, and the label is no score to compare or dequantize.
	 */
	private static String scoresOutput(OrtSession session, Path path) throws OrtException {
		for (Map.Entry<String, NodeInfo> o : session.getOutputInfo().entrySet()) {
			if (o.getValue().getInfo() instanceof TensorInfo t
					&& (t.type == OnnxJavaType.FLOAT || t.type == OnnxJavaType.UINT8 || t.type == OnnxJavaType.INT8)) {
				return o.getKey();
			}
		}
		throw new IllegalArgumentException(path + ": no output holds float, uint8 or int8 scores, outputs " + session.getOutputNames());
	}

	/** Opens a session with {@code threads} intra-op threads and ONNX Runtime's default (full) graph optimization. */
	static LoadedModel open(Path path, int threads) throws OrtException {
		return open(path, threads, OrtSession.SessionOptions.OptLevel.ALL_OPT, null);
	}

	static LoadedModel open(Path path, int threads, OrtSession.SessionOptions.OptLevel level, Path optimizedCopy) throws OrtException {
		return open(path, threads, level, optimizedCopy, null);
	}

	/** As above, with ONNX Runtime's profiler writing to {@code profilePrefix} when given ({@link Profile}). */
	static LoadedModel open(Path path, int threads, OrtSession.SessionOptions.OptLevel level, Path optimizedCopy, String profilePrefix)
			throws OrtException {
		ModelProto proto = parse(path);
		try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
			options.setIntraOpNumThreads(threads);
			options.setInterOpNumThreads(1);
			options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
			options.setOptimizationLevel(level);
			options.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
			if (optimizedCopy != null) {
				options.setOptimizedModelFilePath(optimizedCopy.toString());
			}
			if (profilePrefix != null) {
				options.enableProfiling(profilePrefix);
			}
			return new LoadedModel(path, proto, ENV.createSession(path.toString(), options));
		}
	}

	static ModelProto parse(Path path) {
		try {
			return ModelProto.parseFrom(Files.readAllBytes(path));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static OnnxJavaType type(NodeInfo info) {
		if (!(info.getInfo() instanceof TensorInfo t)) {
			throw new IllegalArgumentException(info.getName() + " is not a tensor");
		}
		return t.type;
	}

	/** The input tensor for {@code n} samples of {@code sample} floats each, starting at sample {@code from}. */
	OnnxTensor tensor(float[] x, int from, int n, long[] sampleShape) throws OrtException {
		int size = (int) java.util.Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b);
		long[] shape = new long[sampleShape.length + 1];
		shape[0] = n;
		System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
		if (inputType == OnnxJavaType.FLOAT) {
			return OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x, from * size, n * size).slice(), shape);
		}
		if (inputType == OnnxJavaType.INT64) { // token ids (a text model's input_ids), held as floats by Samples: whole numbers
			long[] ids = new long[n * size];
			for (int i = 0; i < ids.length; i++) {
				ids[i] = Math.round(x[from * size + i]);
			}
			return OnnxTensor.createTensor(ENV, java.nio.LongBuffer.wrap(ids), shape);
		}
		long qmin = inputType == OnnxJavaType.UINT8 ? 0 : -128;
		long qmax = inputType == OnnxJavaType.UINT8 ? 255 : 127;
		if (inputType != OnnxJavaType.UINT8 && inputType != OnnxJavaType.INT8) {
			throw new IllegalArgumentException(path + ": input type " + inputType + " is not float, uint8 or int8");
		}
		ByteBuffer b = ByteBuffer.allocateDirect(n * size).order(ByteOrder.nativeOrder());
		for (int i = 0; i < n * size; i++) {
			b.put(i, (byte) inputScales.quantize(x[from * size + i], qmin, qmax));
		}
		return OnnxTensor.createTensor(ENV, b, shape, inputType);
	}

	/** Runs and returns the scores output as real numbers. */
	float[] run(OnnxTensor x) throws OrtException {
		try (OrtSession.Result r = session.run(Map.of(input, x), java.util.Set.of(output))) {
			OnnxTensor out = (OnnxTensor) r.get(0);
			if (outputType == OnnxJavaType.FLOAT) {
				FloatBuffer fb = out.getFloatBuffer();
				float[] v = new float[fb.remaining()];
				fb.get(v);
				return v;
			}
			ByteBuffer bb = out.getByteBuffer();
			float[] v = new float[bb.remaining()];
			for (int i = 0; i < v.length; i++) {
				byte q = bb.get(i);
				v[i] = outputScales.dequantize(outputType == OnnxJavaType.UINT8 ? q & 0xFF : q);
			}
			return v;
		}
	}

	/** Runs for timing only: the outputs are not copied. */
	void runOnly(OnnxTensor x) throws OrtException {
		try (OrtSession.Result r = session.run(Map.of(input, x), java.util.Set.of(output))) {
			r.get(0);
		}
	}

	Optional<IoScales> inputScales() {
		return Optional.ofNullable(inputScales);
	}

	@Override
	public void close() throws OrtException {
		session.close();
	}
}
