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

	/** The process-wide ONNX Runtime environment (warnings only, so runs stay quiet). */
	public static synchronized OrtEnvironment environment() {
		if (environment == null) {
			environment = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "quantrace");
		}
		return environment;
	}

	/** The ONNX Runtime version in use, e.g. "1.29.0". */
	public static String runtimeVersion() {
		return environment().getVersion();
	}

	public static InferenceSession open(OnnxModel model, SessionSettings settings, String source) {
		return open(model.toBytes(), settings, source);
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
		OrtEnvironment env = environment();
		Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
		try {
			for (Map.Entry<String, NdArray> e : inputs.entrySet()) {
				tensors.put(e.getKey(), toOrt(env, e.getValue()));
			}
			Map<String, NdArray> out = new LinkedHashMap<>();
			try (OrtSession.Result result = session.run(tensors)) {
				for (Map.Entry<String, OnnxValue> e : result) {
					out.put(e.getKey(), fromOrt((OnnxTensor) e.getValue()));
				}
			}
			return out;
		} catch (OrtException e) {
			throw new QuantraceException(source + ": inference failed: " + e.getMessage(),
					"check the input names, types and shapes against the model's inputs " + inputs(), e);
		} finally {
			tensors.values().forEach(OnnxTensor::close);
		}
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
			session.close();
		} catch (OrtException e) {
			throw new QuantraceException(source + ": closing the ONNX Runtime session failed: " + e.getMessage(), null, e);
		}
	}
}
