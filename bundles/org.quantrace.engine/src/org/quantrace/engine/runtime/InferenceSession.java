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
import org.quantrace.engine.ScratchFiles;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.OpsetUpgrade;
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
			// the scratch folders of Quantrace processes killed outright (kill -9) during a session's opening: their model files
			ScratchFiles.removeStale(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")));
			try {
				environment = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "quantrace");
			} catch (LinkageError e) { // its class initializer's, the first time and every time after
				throw nativeLibraryNotLoaded(e);
			}
			// loaded: the copies of its libraries in $TMPDIR/onnxruntime-java* are no longer needed (each JVM left one)
			NativeLibraryFiles.removeExtracted(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")));
		}
		return environment;
	}

	/**
	 * ONNX Runtime's Java binding unpacks its native library into java.io.tmpdir when it first loads: with that folder full, not
	 * writable or no folder (a file-size limit too), every command stopped with "internal error" and a stack trace of
	 * UnsatisfiedLinkError or ExceptionInInitializerError, exit 70, as if Quantrace had a bug (hostile12). It is the machine's.
	 */
	private static QuantraceException nativeLibraryNotLoaded(LinkageError e) {
		Throwable root = e;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String tmp = System.getProperty("java.io.tmpdir");
		return new QuantraceException("cannot load ONNX Runtime's native library, which it unpacks into the temporary folder " + tmp + " first (" + root
				+ ")", "free space in " + tmp + " or make it a writable folder, or give another: QUANTRACE_JAVA_OPTS=-Djava.io.tmpdir=DIR", e);
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
		RuntimeCrashes.refuse(model, model.file() != null ? model.file().toString() : source);
		model = runnable(model, source);
		try {
			ai.onnx.proto.OnnxMl.ModelProto proto = model.toProto(); // built once: rebuilding it from the graph is not free
			boolean float8 = org.quantrace.engine.onnx.Float8.codesIn(model);
			InferenceSession viaFile = proto.getSerializedSize() < VIA_FILE_BYTES ? null : openViaFile(proto, settings, source, float8);
			return viaFile != null ? viaFile : open(proto.toByteArray(), settings, source, float8);
		} catch (QuantraceException e) {
			String name = model.file() != null ? model.file().toString() : source;
			String torchOps = org.quantrace.engine.onnx.TorchFallbackOps.hint(model);
			throw new InvalidInputException(name + ": ONNX Runtime " + runtimeVersion() + " cannot load the model: " + reason(e), torchOps != null ? torchOps
					: org.quantrace.engine.onnx.FloatWidening.holdsFloat64(model) ? FLOAT64_HINT
							: "check the model (python -m onnx.checker) and that ONNX Runtime supports its ops and opset; export it again if needed", e);
		}
	}

	/**
	 * The model as ONNX Runtime can run it: one of opset 1 to 6 (the early model zoo's Caffe2 and CNTK files) raised to opset 7
	 * as ONNX's version converter raises it ({@link OpsetUpgrade}: attributes 7 dropped, a legacy broadcast's axis as an
	 * Unsqueeze), since ONNX Runtime has no kernel older than opset 7 and refused such a file ("Could not find an implementation
	 * for Mul(6)"); every session of it (evaluation, the conversion's check, calibration, verify's) runs the same raised graph.
	 */
	private static OnnxModel runnable(OnnxModel model, String source) {
		int opset = model.opset();
		if (opset < 1 || opset >= OpsetUpgrade.OLDEST_RUNNABLE) {
			return model;
		}
		OnnxModel raised = model.copy();
		OpsetUpgrade.upgrade(raised, OpsetUpgrade.OLDEST_RUNNABLE, model.file() != null ? model.file().toString() : source, Map.of());
		return raised;
	}

	/**
	 * What to do with a model ONNX Runtime does not load because it computes in float64 (its CPU Conv, for one, is float32 only):
	 * a float32 model with float64 Convs between Casts loaded nowhere but in convert, and the hint said to check the model.
	 */
	static final String FLOAT64_HINT = "the model holds float64 values, and ONNX Runtime's CPU kernels of Conv, for one, are float32 only: convert it first"
			+ " (quantrace convert MODEL.onnx -o MODEL32.onnx narrows it to float32 and records the rounding; in a recipe: a convert block), or export it"
			+ " in float32 (PyTorch: model.float())";

	/** Models at least this large (serialized) are handed to ONNX Runtime through a temporary file rather than an array. */
	static final long VIA_FILE_BYTES = 16L << 20;

	/**
	 * Opens a large model from a temporary file it is streamed into, or returns null (no temporary file, or ONNX
	 * Runtime refuses it: the caller then opens the bytes, so that the user reads ONNX Runtime's words about the model, not about
	 * a file of ours). The model's bytes as one Java array were garbage the size of the model at every session opened: a
	 * `quantize` of ConvNeXt-T (111 MB) opens the model about ten times (checks that it loads, shape probes, the conversion's
	 * check, calibration), and the collector let them pile up into gigabytes of heap before it collected. The file is the whole
	 * model (its external data read in: no path is relative to it) and lives while ONNX Runtime reads it; it lies in this
	 * process's scratch folder ({@link ScratchFiles}), which a killed process leaves to the next one to remove: in
	 * $TMPDIR itself, every kill during an opening left the model's size behind.
	 */
	private static InferenceSession openViaFile(ai.onnx.proto.OnnxMl.ModelProto proto, SessionSettings settings, String source, boolean float8) {
		java.nio.file.Path file = null;
		try {
			file = ScratchFiles.create("session-", ".onnx");
			try (java.io.OutputStream out = new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(file), 1 << 16)) {
				proto.writeTo(out);
			}
			try (OrtSession.SessionOptions options = options(settings, float8)) {
				return new InferenceSession(environment().createSession(file.toString(), options), source);
			}
		} catch (java.io.IOException | OrtException e) {
			return null;
		} finally {
			if (file != null) {
				ScratchFiles.delete(file);
			}
		}
	}

	/**
	 * Loads serialized model bytes.
	 *
	 * @param source names the model in error messages (usually its path)
	 */
	public static InferenceSession open(byte[] model, SessionSettings settings, String source) {
		return open(model, settings, source, false);
	}

	private static InferenceSession open(byte[] model, SessionSettings settings, String source, boolean float8) {
		try (OrtSession.SessionOptions options = options(settings, float8)) {
			return new InferenceSession(environment().createSession(model, options), source);
		} catch (OrtException e) {
			throw new QuantraceException(source + ": ONNX Runtime cannot load the model: " + e.getMessage(),
					"check that the model is valid (an op or opset ONNX Runtime " + runtimeVersion() + " does not support?)", e);
		}
	}

	/**
	 * The session's options; {@code float8}: the model holds float8 QuantizeLinear/DequantizeLinear codes (round 34's fp8qdq, FP8
	 * post-training quantized as NVIDIA ModelOpt exports it), for which ONNX Runtime 1.29's QDQ fusions are turned off
	 * (session.disable_quant_qdq): at BASIC level and above they fused DequantizeLinear -> Conv -> QuantizeLinear of float8 codes into a
	 * QLinearConv, which has no float8 kernel, and the valid model failed to load ("Type 'tensor(float8e4m3fn)' of input parameter
	 * ... of operator (QLinearConv) is invalid"). Its Convs compute in float on the dequantized values, as the model says.
	 */
	private static OrtSession.SessionOptions options(SessionSettings settings, boolean float8) throws OrtException {
		environment(); // the native library first: SessionOptions' class initializer loads it too, and fails as a bare Error
		OrtSession.SessionOptions options = new OrtSession.SessionOptions();
		try {
			if (settings.intraOpThreads() > 0) {
				options.setIntraOpNumThreads(settings.intraOpThreads());
			}
			options.setInterOpNumThreads(1);
			if (!settings.spinning()) {
				options.addConfigEntry("session.intra_op.allow_spinning", "0");
			}
			options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
			if (!settings.arena()) {
				options.setCPUArenaAllocator(false);
			}
			if (!settings.prepacking()) {
				options.addConfigEntry("session.disable_prepacking", "1");
			}
			if (float8) {
				options.addConfigEntry("session.disable_quant_qdq", "1");
			}
			options.setOptimizationLevel(switch (settings.optimization()) {
			case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
			case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
			case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
			case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
			});
			if (settings.optimizedModelPath() != null) {
				options.setOptimizedModelFilePath(settings.optimizedModelPath().toAbsolutePath().toString());
			}
			return options;
		} catch (OrtException | RuntimeException e) {
			options.close();
			throw e;
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

	/** The fixed batch of the model's inputs, computed on first use: -1 not yet known. */
	private int fixedBatch = -1;

	/**
	 * The batch size the model's inputs are fixed to (1 for a model exported without a dynamic batch axis, as tf2onnx and
	 * static exports write them), or 0 when the batch axis is dynamic (or the inputs disagree on it). {@link #run(Map)} feeds
	 * such a model any number of samples.
	 */
	public int fixedBatch() {
		if (fixedBatch < 0) {
			int fixed = 0;
			for (TensorInfo input : inputs()) {
				int batch = input.fixedBatch();
				if (batch <= 0 || fixed != 0 && batch != fixed) {
					fixed = 0;
					break;
				}
				fixed = batch;
			}
			fixedBatch = fixed;
		}
		return fixedBatch;
	}

	/**
	 * Runs the model on {@code inputs} (by input name) and returns every output, by name. A model whose inputs have a fixed
	 * batch ({@link #fixedBatch}) is run on pieces of exactly that many samples, the last one padded with zeros, and the
	 * pieces' outputs are joined along the first axis without the padding's rows: fed more samples (or fewer) than its batch,
	 * ONNX Runtime refuses the input. This is the one place that knows it: evaluation, conversion checks and the debugger
	 * feed their batches as they would to any model.
	 */
	public Map<String, NdArray> run(Map<String, NdArray> inputs) {
		return run(inputs, (Set<String>) null);
	}

	/** {@link #run(Map)} for the outputs {@code requested} only (all when null). */
	public Map<String, NdArray> run(Map<String, NdArray> inputs, Set<String> requested) {
		long samples = batchOf(inputs);
		int fixed = samples < 0 ? 0 : fixedBatch();
		if (fixed <= 0 || samples == fixed) {
			return runWhole(inputs, requested);
		}
		Map<String, List<NdArray>> pieces = new LinkedHashMap<>();
		for (long from = 0; from < samples; from += fixed) {
			Map<String, NdArray> piece = new LinkedHashMap<>();
			for (Map.Entry<String, NdArray> e : inputs.entrySet()) {
				piece.put(e.getKey(), e.getValue().rows(from, from + fixed));
			}
			runWhole(piece, requested).forEach((name, out) -> pieces.computeIfAbsent(name, k -> new ArrayList<>()).add(out));
		}
		boolean padded = samples % fixed != 0;
		Map<String, NdArray> joined = new LinkedHashMap<>();
		pieces.forEach((name, parts) -> {
			long[] shape = parts.get(0).shape();
			boolean perSample = shape.length > 0 && parts.stream().allMatch(p -> p.shape()[0] == fixed);
			if (!perSample && (padded || shape.length == 0)) {
				throw new QuantraceException(source + ": output '" + name + "' " + java.util.Arrays.toString(shape) + " does not hold one row per sample, so "
						+ samples + " samples cannot be run in pieces of the model's fixed batch " + fixed,
						"feed a multiple of " + fixed + " samples, or export the model with a dynamic batch axis");
			}
			joined.put(name, NdArray.concatRows(parts, perSample ? samples : parts.stream().mapToLong(p -> p.shape()[0]).sum()));
		});
		return joined;
	}

	/** The common first dimension of {@code inputs} (the number of samples), or -1 when they have none or disagree. */
	private static long batchOf(Map<String, NdArray> inputs) {
		long batch = -1;
		for (NdArray a : inputs.values()) {
			long[] shape = a.shape();
			if (shape.length == 0 || batch >= 0 && shape[0] != batch) {
				return -1;
			}
			batch = shape[0];
		}
		return batch;
	}

	private Map<String, NdArray> runWhole(Map<String, NdArray> inputs, Set<String> requested) {
		return withInputs(inputs, false, tensors -> {
			Map<String, NdArray> out = new LinkedHashMap<>();
			try (OrtSession.Result result = requested == null ? session.run(tensors) : session.run(tensors, requested)) {
				for (Map.Entry<String, OnnxValue> e : result) {
					out.put(e.getKey(), fromOrt(tensor(e.getKey(), e.getValue())));
				}
			}
			return out;
		});
	}

	/**
	 * Runs the model on {@code inputs} and returns the element type and shape of every output, without copying any value
	 * into Java: a shape probe exposes every tensor of the model, and copying them (twice: ONNX Runtime's buffer copy, then an
	 * array) made 2 x 140 MB of garbage per probe of ConvNeXt-T at 224x224. Outputs of a type {@link #run(Map)} cannot return
	 * are refused as it refuses them.
	 */
	public Map<String, TensorInfo> runForShapes(Map<String, NdArray> inputs, Set<String> requested) {
		return withInputs(inputs, false, tensors -> {
			Map<String, TensorInfo> out = new LinkedHashMap<>();
			try (OrtSession.Result result = session.run(tensors, requested)) {
				for (Map.Entry<String, OnnxValue> e : result) {
					ai.onnxruntime.TensorInfo info = tensor(e.getKey(), e.getValue()).getInfo();
					DataType type = dataType(info);
					if (!RETURNED.contains(type)) {
						throw new IllegalArgumentException("unsupported output type " + type.displayName());
					}
					out.put(e.getKey(), TensorInfo.of(e.getKey(), type, info.getShape()));
				}
			}
			return out;
		});
	}

	/**
	 * The names of the outputs that are tensors, in the model's order: a tensor sequence or a map (SplitToSequence's output, a
	 * scripted loop's list, a classifier's ZipMap) is none, and {@link #run} refuses it.
	 */
	public Set<String> tensorOutputs() {
		Set<String> names = new java.util.LinkedHashSet<>();
		outputs().stream().filter(t -> t.type() != DataType.UNDEFINED).forEach(t -> names.add(t.name()));
		return names;
	}

	/**
	 * The element type of each output that is a sequence of tensors (SplitToSequence's, a scripted loop's list), as ONNX Runtime
	 * infers it when it loads the model: what a body that reads the sequence is typed by ({@link ShapeProbe}).
	 */
	public Map<String, DataType> sequenceOutputs() {
		Map<String, DataType> result = new java.util.LinkedHashMap<>();
		try {
			for (NodeInfo n : session.getOutputInfo().values()) {
				if (n.getInfo() instanceof ai.onnxruntime.SequenceInfo s && !s.isSequenceOfMaps() && s.sequenceType != ai.onnxruntime.OnnxJavaType.UNKNOWN) {
					result.put(n.getName(), DataType.valueOf(s.sequenceType.name()));
				}
			}
		} catch (OrtException e) {
			throw new QuantraceException(source + ": cannot read output info: " + e.getMessage(), null, e);
		}
		return result;
	}

	/** {@code value} as a tensor, or the refusal of output {@code name} of another kind. */
	private OnnxTensor tensor(String name, OnnxValue value) {
		if (value instanceof OnnxTensor t) {
			return t;
		}
		String kind = switch (value.getType()) {
		case ONNX_TYPE_SEQUENCE -> "sequence";
		case ONNX_TYPE_MAP -> "map";
		default -> value.getType().name();
		};
		throw new InvalidInputException(source + ": output '" + name + "' is a " + kind + ", not a tensor: Quantrace reads tensor outputs only",
				"make the model's outputs tensors (e.g. torch.stack or torch.cat of a list instead of returning the list)");
	}

	/** The element types {@link #run(Map)} returns ({@link #fromOrt}). */
	private static final Set<DataType> RETURNED = Set.of(DataType.FLOAT, DataType.FLOAT16, DataType.BFLOAT16, DataType.UINT8, DataType.INT8, DataType.BOOL, DataType.INT16, DataType.UINT16,
			DataType.INT32, DataType.INT64);

	/** Receives a float output; the buffer stays valid until the session runs again. */
	public interface FloatOutputVisitor {
		void visit(String name, long[] shape, FloatBuffer values);
	}

	/**
	 * Runs the model and hands each requested float output to {@code visitor}. Outputs are written by ONNX
	 * Runtime into direct buffers this session keeps (see {@link #pinnedOutputs}), so scanning activations batch after
	 * batch allocates nothing once each batch size has run once. A model with a {@link #fixedBatch} fed another number of
	 * samples is run in pieces as {@link #run(Map)} runs it, and each output is handed over once, joined, in memory of its
	 * own (unpinned). Calibration feeds such a model exactly its batch: its statistics are updated once per run.
	 */
	public void run(Map<String, NdArray> inputs, Set<String> outputs, FloatOutputVisitor visitor) {
		long samples = batchOf(inputs);
		if (samples >= 0 && fixedBatch() > 0 && samples != fixedBatch()) {
			run(inputs, outputs).forEach((name, joined) -> {
				if (joined.type() == DataType.FLOAT) {
					visitor.visit(name, joined.shape(), FloatBuffer.wrap(joined.floats()).asReadOnlyBuffer());
				}
			});
			return;
		}
		withInputs(inputs, true, tensors -> {
			Map<String, OnnxTensor> pinned = pinnedOutputs(outputs);
			if (pinned != null) {
				try (OrtSession.Result result = session.run(tensors, Set.of(), pinned)) {
					Map<String, long[]> shapes = shapesByBatch.get(currentBatch);
					for (String o : pinned.keySet()) {
						FloatBuffer values = outputBuffers.get(o).duplicate();
						values.clear().limit(Math.toIntExact(elements(shapes.get(o))));
						visitor.visit(o, shapes.get(o).clone(), values.asReadOnlyBuffer());
					}
					return null;
				} catch (OrtException e) {
					// ONNX Runtime refuses buffers of another shape than the output's: an announced shape was wrong, or the
					// shapes depend on the data; the run is repeated unpinned (a genuine failure fails again there, reported)
					forgetShapes(currentBatch);
				}
			}
			Map<String, long[]> shapes = new LinkedHashMap<>();
			try (OrtSession.Result result = session.run(tensors, outputs)) {
				for (Map.Entry<String, OnnxValue> e : result) {
					if (e.getValue() instanceof OnnxTensor t && t.getInfo().type == OnnxJavaType.FLOAT) {
						long[] shape = t.getInfo().getShape();
						shapes.put(e.getKey(), shape);
						visitor.visit(e.getKey(), shape, t.getFloatBuffer().asReadOnlyBuffer());
					}
				}
			}
			learnShapes(outputs, shapes);
			return null;
		});
	}

	/**
	 * Announces the shapes {@code outputs} will have at batch size {@code batch} (from a shape probe), so that the first run
	 * of that size writes into this session's buffers as the later ones do, instead of ONNX Runtime allocating the outputs and
	 * Java copying them (for calibration's 53 tensors of a 320x320 detector, 100 MB of fresh memory each, which made that
	 * first run several times slower than the next). A wrong guess costs one refused run: ONNX Runtime checks the shape of
	 * every buffer it is given, and the run is repeated unpinned. Ignored when the shapes of that size are known already,
	 * when another set of outputs is pinned, or when a shape is missing.
	 */
	public void expectOutputShapes(Set<String> outputs, long batch, Map<String, long[]> shapes) {
		if (outputs.isEmpty() || shapesByBatch.containsKey(batch) || pinnedSet != null && !pinnedSet.equals(outputs)
				|| !shapes.keySet().containsAll(outputs)) {
			return;
		}
		Map<String, long[]> expected = new LinkedHashMap<>();
		outputs.forEach(o -> expected.put(o, shapes.get(o).clone()));
		pinnedSet = Set.copyOf(outputs);
		shapesByBatch.put(batch, expected);
	}

	private void forgetShapes(long batch) {
		shapesByBatch.remove(batch);
		Map<String, OnnxTensor> tensors = outputTensors.remove(batch);
		if (tensors != null) {
			tensors.values().forEach(OnnxTensor::close);
		}
	}

	/** The set of outputs whose buffers this session keeps (one set per session: calibration's groups of tensors beyond the first run unpinned). */
	private Set<String> pinnedSet;
	/** Shapes of the pinned outputs by batch size, learnt from one unpinned run of that batch size. */
	private final Map<Long, Map<String, long[]>> shapesByBatch = new LinkedHashMap<>();
	/** One direct buffer per pinned output, as large as its largest batch; smaller batches write into its beginning. */
	private final Map<String, FloatBuffer> outputBuffers = new LinkedHashMap<>();
	/** ONNX Runtime tensors over {@link #outputBuffers}, by batch size. */
	private final Map<Long, Map<String, OnnxTensor>> outputTensors = new LinkedHashMap<>();

	private static long elements(long[] shape) {
		long n = 1;
		for (long d : shape) {
			n *= d;
		}
		return n;
	}

	/**
	 * Records the output shapes of an unpinned run of the current batch size, if they are those of a pinnable set: every
	 * requested output a float tensor whose first dimension is the batch size (a shape that depends on the data cannot be
	 * written into a buffer sized in advance).
	 */
	private void learnShapes(Set<String> outputs, Map<String, long[]> shapes) {
		long batch = currentBatch;
		boolean pinnable = !outputs.isEmpty() && shapes.keySet().equals(outputs) && (pinnedSet == null || pinnedSet.equals(outputs))
				&& shapes.values().stream().allMatch(s -> s.length > 0 && s[0] == batch);
		if (pinnable) {
			pinnedSet = Set.copyOf(outputs);
			shapesByBatch.put(batch, shapes);
		}
	}

	/**
	 * Tensors over this session's output buffers for {@code outputs} at the current batch size; null when that set is not
	 * the pinned one or its shapes at this batch size are not known yet (that run is then unpinned, and teaches them). A
	 * calibration batch run in chunks has at most two chunk sizes, so every run but the first of each is pinned.
	 */
	private Map<String, OnnxTensor> pinnedOutputs(Set<String> outputs) throws OrtException {
		long batch = currentBatch;
		Map<String, long[]> shapes = shapesByBatch.get(batch);
		if (shapes == null || pinnedSet == null || !pinnedSet.equals(outputs)) {
			return null;
		}
		Map<String, OnnxTensor> tensors = outputTensors.get(batch);
		if (tensors == null) {
			for (String o : outputs) {
				long count = elements(shapes.get(o));
				FloatBuffer buffer = outputBuffers.get(o);
				if (buffer == null || buffer.capacity() < count) { // grow: tensors over the old buffer must not be used again
					closeOutputTensors();
					outputBuffers.put(o, ByteBuffer.allocateDirect(Math.toIntExact(4 * count)).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer());
				}
			}
			tensors = new LinkedHashMap<>();
			for (String o : outputs) {
				FloatBuffer view = outputBuffers.get(o).duplicate();
				view.clear().limit(Math.toIntExact(elements(shapes.get(o))));
				tensors.put(o, OnnxTensor.createTensor(environment(), view.slice(), shapes.get(o)));
			}
			outputTensors.put(batch, tensors);
		}
		return tensors;
	}

	private void closeOutputTensors() {
		outputTensors.values().forEach(m -> m.values().forEach(OnnxTensor::close));
		outputTensors.clear();
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
				DataType narrow = a.type() == DataType.FLOAT ? halfPrecisionInput(e.getKey()) : null;
				tensors.put(e.getKey(), narrow != null ? toHalfPrecision(env, a, narrow)
						: reuse && a.type() == DataType.FLOAT ? OnnxTensor.createTensor(env, direct(e.getKey(), a.floats()), a.shape()) : toOrt(env, a));
			}
			currentBatch = inputs.isEmpty() || inputs.values().iterator().next().shape().length == 0 ? -1
					: inputs.values().iterator().next().shape()[0];
			return call.apply(tensors);
		} catch (OrtException e) {
			QuantraceException beyond = indexBeyondTable(e);
			if (beyond != null) {
				throw beyond;
			}
			throw new QuantraceException(source + ": inference failed: " + e.getMessage(),
					"check the input names, types and shapes against the model's inputs " + inputs(), e);
		} finally {
			tensors.values().forEach(OnnxTensor::close);
		}
	}

	/** ONNX Runtime's words when a Gather, GatherElements or GatherND reads an index beyond its data: "... while running Gather node. Name:'lookup' ...". */
	private static final java.util.regex.Pattern INDEX_BEYOND = java.util.regex.Pattern.compile(
			"while running (\\w+) node\\. Name:'([^']*)' Status Message: (indices element out of data bounds.*|.*Out of range value in index tensor.*|invalid indice found.*)", java.util.regex.Pattern.DOTALL);

	/**
	 * The data at fault where ONNX Runtime stopped at an index beyond the table a Gather reads (ids beyond an embedding's
	 * vocabulary in a sample after the first, which the start-up probe runs): bad input, exit 2, naming the node, ONNX Runtime's
	 * bound and the batch, instead of "inference failed", exit 3, with a hint about input names and shapes (hostile13's finding).
	 * Null for any other failure.
	 */
	private QuantraceException indexBeyondTable(OrtException e) {
		java.util.regex.Matcher m = INDEX_BEYOND.matcher(String.valueOf(e.getMessage()));
		if (!m.find()) {
			return null;
		}
		return new InvalidInputException(source + ": a value of the data fed" + (currentBatch > 0 ? " (in a batch of " + currentBatch + " samples)" : "")
				+ " is an index beyond the table node '" + m.group(2) + "' (" + m.group(1) + ") reads: " + m.group(3).strip(),
				"check the data's values: ids or indices within the range the model was made for (its table's rows); the samples the"
						+ " progress line counted before the failure ran", e);
	}

	/** Whether {@code e} is ONNX Runtime stopping at an index beyond the table a Gather reads (the data at fault, {@link #indexBeyondTable}). */
	static boolean isIndexBeyondTable(QuantraceException e) {
		return e instanceof InvalidInputException && e.getCause() instanceof OrtException ort && INDEX_BEYOND.matcher(String.valueOf(ort.getMessage())).find();
	}

	/** The model's half-precision input types by name, read once: float samples are rounded to them when fed. */
	private Map<String, DataType> halfPrecisionInputs;

	/** FLOAT16 or BFLOAT16 when {@code input} is of that type, else null. */
	private DataType halfPrecisionInput(String input) throws OrtException {
		if (halfPrecisionInputs == null) {
			Map<String, DataType> types = new LinkedHashMap<>();
			for (NodeInfo n : session.getInputInfo().values()) {
				if (n.getInfo() instanceof ai.onnxruntime.TensorInfo t && (dataType(t) == DataType.FLOAT16 || dataType(t) == DataType.BFLOAT16)) {
					types.put(n.getName(), dataType(t));
				}
			}
			halfPrecisionInputs = types;
		}
		return halfPrecisionInputs.get(input);
	}

	/**
	 * Float samples for a float16 (or bfloat16) input, rounded to nearest even as a float16 model's exporter rounds its own
	 * inputs ({@code x.half()}): the datasets read float32, and a float16 model's evaluation, conversion check and shapes
	 * need to run on them (see {@link DataType#feeds}).
	 */
	private static OnnxTensor toHalfPrecision(OrtEnvironment env, NdArray a, DataType type) throws OrtException {
		float[] f = a.floats();
		short[] h = new short[f.length];
		for (int i = 0; i < f.length; i++) {
			h[i] = type == DataType.FLOAT16 ? Float.floatToFloat16(f[i]) : bfloat16(f[i]);
		}
		return OnnxTensor.createTensor(env, ShortBuffer.wrap(h), a.shape(), type == DataType.FLOAT16 ? OnnxJavaType.FLOAT16 : OnnxJavaType.BFLOAT16);
	}

	/** The bfloat16 nearest to {@code v} (ties to even), NaN kept NaN. */
	static short bfloat16(float v) {
		int bits = Float.floatToRawIntBits(v);
		if (Float.isNaN(v)) {
			return (short) ((bits >>> 16) | 0x40);
		}
		return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
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
		case FLOAT, FLOAT16, BFLOAT16 -> { // ONNX Runtime widens half precision to float32 in getFloatBuffer
			float[] f = new float[n];
			t.getFloatBuffer().get(f);
			yield NdArray.ofFloats(shape, f);
		}
		case DOUBLE -> { // a float64 value inside a float32 model (a Cast chain, round 19's f64 variants): read rounded to float32, the
			// precision every figure here is computed in; its type stays the session's (ShapeProbe records it), and only a value float32
			// cannot hold would change (no sample of ours makes one: the samples are float32)
			double[] d = new double[n];
			t.getDoubleBuffer().get(d);
			float[] f = new float[n];
			for (int i = 0; i < n; i++) {
				f[i] = (float) d[i];
			}
			yield NdArray.ofFloats(shape, f);
		}
		case UINT8, INT8, BOOL -> {
			byte[] b = new byte[n];
			t.getByteBuffer().get(b);
			yield NdArray.ofBytes(type, shape, b);
		}
		case FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ -> { // float8 codes read as their float32 values, as half precision is
			// (a shape probe of an FP8 model exposes its codes: round 34's fp8qdq was an internal error, "unsupported output type")
			byte[] b = new byte[n];
			t.getByteBuffer().get(b);
			float[] f = new float[n];
			for (int i = 0; i < n; i++) {
				f[i] = org.quantrace.engine.onnx.Float8.toFloat(type, b[i]);
			}
			yield NdArray.ofFloats(shape, f);
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
			closeOutputTensors();
			session.close();
		} catch (OrtException e) {
			throw new QuantraceException(source + ": closing the ONNX Runtime session failed: " + e.getMessage(), null, e);
		}
	}
}
