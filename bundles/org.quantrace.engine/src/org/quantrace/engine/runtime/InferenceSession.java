package org.quantrace.engine.runtime;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;

/**
 * A model loaded into ONNX Runtime (CPU). Inputs and outputs are {@link NdArray}s; ONNX Runtime types
 * and exceptions do not leak out, so callers need no ORT imports.
 */
public final class InferenceSession implements AutoCloseable {

	private static OrtEnvironment environment;

	private final OrtSession session;
	private final String source;

	private InferenceSession(OrtSession session, String source) {
		this.session = session;
		this.source = source;
	}

	/** The process-wide ONNX Runtime environment, quiet: its errors reach the user as our exceptions' messages, once. */
	public static synchronized OrtEnvironment environment() {
		if (environment == null) {
			environment = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "quantrace");
		}
		return environment;
	}

	/** The ONNX Runtime version in use, e.g. "1.29.0". */
	public static String runtimeVersion() {
		return environment().getVersion();
	}

	/**
	 * Loads a model. A model ONNX Runtime rejects is invalid input (exit 2), named by its file when it was
	 * read from one: the engine's own results are checked where they are made ({@link #requireLoads}).
	 *
	 * @throws InvalidInputException when ONNX Runtime cannot load the model
	 */
	public static InferenceSession open(OnnxModel model, SessionSettings settings, String source) {
		try {
			return open(model.toBytes(), settings, source);
		} catch (QuantraceException e) {
			String name = model.file() != null ? model.file().toString() : source;
			throw new InvalidInputException(name + ": ONNX Runtime " + runtimeVersion() + " cannot load the model: " + reason(e),
					"check the model (python -m onnx.checker) and that ONNX Runtime supports its ops and opset; export it again if needed", e);
		}
	}

	/**
	 * Loads serialized model bytes.
	 *
	 * @param source names the model in error messages (usually its path)
	 */
	public static InferenceSession open(byte[] model, SessionSettings settings, String source) {
		try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
			if (settings.intraOpThreads() > 0) {
				options.setIntraOpNumThreads(settings.intraOpThreads());
			}
			options.setInterOpNumThreads(1);
			if (!settings.spinning()) {
				options.addConfigEntry("session.intra_op.allow_spinning", "0");
			}
			options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
			options.setOptimizationLevel(switch (settings.optimization()) {
			case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
			case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
			case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
			case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
			});
			if (settings.optimizedModelPath() != null) {
				options.setOptimizedModelFilePath(settings.optimizedModelPath().toAbsolutePath().toString());
			}
			return new InferenceSession(environment().createSession(model, options), source);
		} catch (OrtException e) {
			throw new QuantraceException(source + ": ONNX Runtime cannot load the model: " + e.getMessage(),
					"check that the model is valid (an op or opset ONNX Runtime " + runtimeVersion() + " does not support?)", e);
		}
	}

	/**
	 * Requires that ONNX Runtime loads {@code model}, as read from the user's file: when it does not, the
	 * model is invalid input (exit 2), named by its file.
	 *
	 * @throws InvalidInputException naming the file and ONNX Runtime's reason
	 */
	public static void requireLoadable(OnnxModel model, String name) {
		try (InferenceSession s = open(model, SessionSettings.defaults().withThreads(1), name)) {
			s.inputs();
		}
	}

	/**
	 * Requires that a model this engine made from {@code source} loads. When it does not, the source is tried
	 * first: a source ONNX Runtime cannot load either is the user's input at fault (exit 2); otherwise the
	 * transformation is, and the message says so with {@code bugHint}.
	 */
	public static void requireLoads(OnnxModel made, String what, OnnxModel source, String sourceName, String bugHint) {
		try (InferenceSession s = open(made, SessionSettings.defaults().withThreads(1), what)) {
			s.inputs();
		} catch (QuantraceException e) {
			requireLoadable(source, sourceName);
			throw new QuantraceException(what + " does not load in ONNX Runtime: " + reason(e), bugHint, e);
		}
	}

	/** ONNX Runtime's message without the name we prefixed it with. */
	private static String reason(QuantraceException e) {
		String m = e.getMessage();
		int at = m.indexOf(" cannot load the model: ");
		return at < 0 ? m : m.substring(at + " cannot load the model: ".length());
	}

	public List<TensorInfo> inputs() {
		return describe(() -> session.getInputInfo());
	}

	public List<TensorInfo> outputs() {
		return describe(() -> session.getOutputInfo());
	}

	private interface InfoSource {
		Map<String, NodeInfo> get() throws OrtException;
	}

	private List<TensorInfo> describe(InfoSource infos) {
		List<TensorInfo> result = new ArrayList<>();
		try {
			for (NodeInfo n : infos.get().values()) {
				if (n.getInfo() instanceof ai.onnxruntime.TensorInfo t) {
					result.add(TensorInfo.of(n.getName(), dataType(t), t.getShape()));
				} else {
					result.add(new TensorInfo(n.getName(), DataType.UNDEFINED, null));
				}
			}
		} catch (OrtException e) {
			throw new QuantraceException(source + ": cannot read input/output info: " + e.getMessage(), null, e);
		}
		return result;
	}

	/** Runs the model on {@code inputs} (by input name) and returns every output, by name. */
	public Map<String, NdArray> run(Map<String, NdArray> inputs) {
		return withInputs(inputs, false, tensors -> {
			Map<String, NdArray> out = new LinkedHashMap<>();
			try (OrtSession.Result result = session.run(tensors)) {
				for (Map.Entry<String, OnnxValue> e : result) {
					out.put(e.getKey(), fromOrt((OnnxTensor) e.getValue()));
				}
			}
			return out;
		});
	}

	/** Receives a float output; the buffer stays valid until the session runs again. */
	public interface FloatOutputVisitor {
		void visit(String name, long[] shape, FloatBuffer values);
	}

	/**
	 * Runs the model and hands each requested float output to {@code visitor}. Outputs are written by ONNX
	 * Runtime into direct buffers this session keeps for the current output shapes (reused while the batch
	 * size stays the same), so scanning activations batch after batch allocates nothing.
	 */
	public void run(Map<String, NdArray> inputs, Set<String> outputs, FloatOutputVisitor visitor) {
		withInputs(inputs, true, tensors -> {
			Map<String, OnnxTensor> pinned = pinnedOutputs(outputs);
			if (pinned == null) {
				try (OrtSession.Result result = session.run(tensors, outputs)) {
					for (Map.Entry<String, OnnxValue> e : result) {
						if (e.getValue() instanceof OnnxTensor t && t.getInfo().type == OnnxJavaType.FLOAT) {
							long[] shape = t.getInfo().getShape();
							outputShapes.put(e.getKey(), shape);
							visitor.visit(e.getKey(), shape, t.getFloatBuffer().asReadOnlyBuffer());
						}
					}
				}
				return null;
			}
			try (OrtSession.Result result = session.run(tensors, Set.of(), pinned)) {
				for (Map.Entry<String, OnnxTensor> e : pinned.entrySet()) {
					FloatBuffer values = outputBuffers.get(e.getKey()).duplicate();
					values.clear();
					visitor.visit(e.getKey(), outputShapes.get(e.getKey()), values.asReadOnlyBuffer());
				}
			}
			return null;
		});
	}

	/** Output shapes of the last run, and direct buffers of those shapes. */
	private final Map<String, long[]> outputShapes = new LinkedHashMap<>();
	private final Map<String, FloatBuffer> outputBuffers = new LinkedHashMap<>();
	private final Map<String, OnnxTensor> outputTensors = new LinkedHashMap<>();
	private long pinnedBatch = -1;

	/**
	 * Tensors over this session's output buffers for {@code outputs}, sized from the previous run; null
	 * when the shapes are not known yet or the batch size changed (that run is then unpinned).
	 */
	private Map<String, OnnxTensor> pinnedOutputs(Set<String> outputs) throws OrtException {
		if (!outputShapes.keySet().containsAll(outputs) || outputs.isEmpty() || !outputTensors.isEmpty() && !outputTensors.keySet().equals(outputs)) {
			return null; // one set of outputs is pinned per session; runs fetching others (calibration's groups) are not
		}
		long batch = currentBatch;
		boolean sameBatch = outputs.stream().allMatch(o -> outputShapes.get(o).length > 0 && outputShapes.get(o)[0] == batch);
		if (!sameBatch) {
			outputShapes.keySet().removeAll(outputs);
			return null;
		}
		if (pinnedBatch != batch) {
			outputTensors.values().forEach(OnnxTensor::close);
			outputTensors.clear();
			outputBuffers.clear();
			for (String o : outputs) {
				long count = java.util.Arrays.stream(outputShapes.get(o)).reduce(1, (a, b) -> a * b);
				FloatBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(4 * count)).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
				outputBuffers.put(o, buffer);
				outputTensors.put(o, OnnxTensor.createTensor(environment(), buffer, outputShapes.get(o)));
			}
			pinnedBatch = batch;
		}
		Map<String, OnnxTensor> pinned = new LinkedHashMap<>();
		outputs.forEach(o -> pinned.put(o, outputTensors.get(o)));
		return pinned;
	}

	/** The first dimension of the first input of the running call (the batch size). */
	private long currentBatch = -1;

	private interface OrtCall<T> {
		T apply(Map<String, OnnxTensor> tensors) throws OrtException;
	}

	/** Direct buffers float inputs are copied into, kept per input for the visitor runs (one caller at a time, as their outputs). */
	private final Map<String, FloatBuffer> inputBuffers = new LinkedHashMap<>();

	/**
	 * Creates the input tensors, runs {@code call}, and frees the tensors whatever happens. With {@code reuse}, float inputs
	 * go through this session's own direct buffers: ONNX Runtime would otherwise copy each heap array into a new direct
	 * buffer, which only a garbage collection frees, so that native memory grew with the number of batches run.
	 */
	private <T> T withInputs(Map<String, NdArray> inputs, boolean reuse, OrtCall<T> call) {
		OrtEnvironment env = environment();
		Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
		try {
			for (Map.Entry<String, NdArray> e : inputs.entrySet()) {
				NdArray a = e.getValue();
				tensors.put(e.getKey(), reuse && a.type() == DataType.FLOAT ? OnnxTensor.createTensor(env, direct(e.getKey(), a.floats()), a.shape())
						: toOrt(env, a));
			}
			currentBatch = inputs.isEmpty() || inputs.values().iterator().next().shape().length == 0 ? -1
					: inputs.values().iterator().next().shape()[0];
			return call.apply(tensors);
		} catch (OrtException e) {
			throw new QuantraceException(source + ": inference failed: " + e.getMessage(),
					"check the input names, types and shapes against the model's inputs " + inputs(), e);
		} finally {
			tensors.values().forEach(OnnxTensor::close);
		}
	}

	private FloatBuffer direct(String input, float[] values) {
		FloatBuffer b = inputBuffers.get(input);
		if (b == null || b.capacity() < values.length) {
			b = ByteBuffer.allocateDirect(4 * values.length).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
			inputBuffers.put(input, b);
		}
		FloatBuffer view = b.duplicate();
		view.clear();
		view.put(values);
		view.flip();
		return view.slice();
	}

	/** Runs a model with a single input and returns its first output. */
	public NdArray run(NdArray input) {
		String name = session.getInputNames().iterator().next();
		return run(Map.of(name, input)).values().iterator().next();
	}

	private static OnnxTensor toOrt(OrtEnvironment env, NdArray a) throws OrtException {
		long[] shape = a.shape();
		return switch (a.type()) {
		case FLOAT -> OnnxTensor.createTensor(env, FloatBuffer.wrap(a.floats()), shape);
		case UINT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap(a.bytes()), shape, OnnxJavaType.UINT8);
		case INT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap(a.bytes()), shape, OnnxJavaType.INT8);
		case BOOL -> OnnxTensor.createTensor(env, ByteBuffer.wrap(a.bytes()), shape, OnnxJavaType.BOOL);
		case INT16 -> OnnxTensor.createTensor(env, ShortBuffer.wrap((short[]) a.data()), shape, OnnxJavaType.INT16);
		case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap((int[]) a.data()), shape);
		case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap((long[]) a.data()), shape);
		default -> throw new IllegalArgumentException("unsupported input type " + a.type().displayName());
		};
	}

	private static NdArray fromOrt(OnnxTensor t) {
		ai.onnxruntime.TensorInfo info = t.getInfo();
		long[] shape = info.getShape();
		int n = Math.toIntExact(info.getNumElements());
		DataType type = dataType(info);
		return switch (type) {
		case FLOAT -> {
			float[] f = new float[n];
			t.getFloatBuffer().get(f);
			yield NdArray.ofFloats(shape, f);
		}
		case UINT8, INT8, BOOL -> {
			byte[] b = new byte[n];
			t.getByteBuffer().get(b);
			yield NdArray.ofBytes(type, shape, b);
		}
		case INT16, UINT16 -> {
			short[] s = new short[n];
			t.getShortBuffer().get(s);
			yield NdArray.ofShorts(type, shape, s);
		}
		case INT32 -> {
			int[] v = new int[n];
			t.getIntBuffer().get(v);
			yield NdArray.ofInts(shape, v);
		}
		case INT64 -> {
			long[] v = new long[n];
			t.getLongBuffer().get(v);
			yield NdArray.ofLongs(shape, v);
		}
		default -> throw new IllegalArgumentException("unsupported output type " + type.displayName());
		};
	}

	/** ORT's Java enum is ordered differently from ONNX's type codes; its names match ours. */
	private static DataType dataType(ai.onnxruntime.TensorInfo info) {
		return DataType.valueOf(info.onnxType.name().substring("ONNX_TENSOR_ELEMENT_DATA_TYPE_".length()));
	}

	@Override
	public void close() {
		try {
			outputTensors.values().forEach(OnnxTensor::close);
			session.close();
		} catch (OrtException e) {
			throw new QuantraceException(source + ": closing the ONNX Runtime session failed: " + e.getMessage(), null, e);
		}
	}
}
