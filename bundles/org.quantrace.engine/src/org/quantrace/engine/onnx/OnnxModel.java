package org.quantrace.engine.onnx;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.SafeFiles;

import com.google.protobuf.InvalidProtocolBufferException;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * An ONNX model: header (IR version, opset imports, producer, metadata) and its main {@link Graph}.
 * Load with {@link #load(Path)}; every problem with the file becomes an {@link InvalidInputException}
 * that names the file and says what is wrong.
 */
public final class OnnxModel {

	/** IR versions we read and write: IR 3 (ONNX 1.1) up to IR 11 (ONNX 1.18). */
	public static final long MIN_IR_VERSION = 3;
	public static final long MAX_IR_VERSION = 11;

	private final ModelProto.Builder header;
	private final Graph graph;
	private final Path file;
	/** The SHA-256 of every file read, the .onnx file first, of the very bytes parsed (empty for a model not loaded from a file). */
	private final Map<Path, String> sha256AsRead;

	private OnnxModel(ModelProto proto) {
		this(proto, null, Map.of());
	}

	private OnnxModel(ModelProto proto, Path file, Map<Path, String> sha256AsRead) {
		this.header = proto.toBuilder().clearGraph();
		this.graph = new Graph(proto.getGraph(), null);
		this.file = file;
		this.sha256AsRead = sha256AsRead;
	}

	/** Wraps an in-memory model without checks (for models we build ourselves). */
	public static OnnxModel of(ModelProto proto) {
		return new OnnxModel(proto);
	}

	/**
	 * Reads an ONNX file. Tensors stored as external data are read into the model, from the model's folder
	 * only (see {@link #externalDataFiles()}). The model is checked before it is returned: known element
	 * types, dimensions that fit, data of the declared size, no cycle.
	 *
	 * @throws InvalidInputException if the file is missing, unreadable, not ONNX, truncated, of an
	 *                               unsupported IR version, damaged, or names external data outside its folder
	 */
	public static OnnxModel load(Path file) {
		String source = file.toString();
		byte[] bytes = read(file);
		// hashed here, from the bytes parsed: a hash taken by a second reading (before or after) may be of another file's bytes, a
		// file replaced and put back in between (hostile19)
		Map<Path, String> hashes = new LinkedHashMap<>();
		hashes.put(file, SafeFiles.sha256(bytes));
		ModelProto proto = parseProto(bytes, source);
		if (ExternalData.used(proto.getGraph())) {
			ExternalData data = new ExternalData(file, source);
			proto = proto.toBuilder().setGraph(data.inline(proto.getGraph())).build();
			data.sha256AsRead().forEach((f, sha256) -> {
				String before = hashes.putIfAbsent(f, sha256);
				if (before != null && !before.equals(sha256)) { // a model naming itself as its external data, rewritten between the two readings
					throw new InvalidInputException(f + ": changed while it was read (sha256 " + before + ", then " + sha256 + ")",
							"read the model again once nothing writes to it");
				}
			});
		}
		OnnxModel model = new OnnxModel(proto, file, java.util.Collections.unmodifiableMap(hashes));
		ModelChecks.check(proto.getGraph(), model.graph, source);
		return model;
	}

	private static byte[] read(Path file) {
		try {
			if (Files.isDirectory(file)) {
				throw new InvalidInputException(file + ": is a directory, not an ONNX model file",
						"give the path of the .onnx file inside it");
			}
			if (Files.exists(file) && !Files.isRegularFile(file)) { // /dev/zero or a pipe nobody writes: reading never ended
				throw new InvalidInputException(file + ": is not a regular file (a device or a named pipe), not an ONNX model file",
						"give the path of the .onnx file");
			}
			if (Files.size(file) > Integer.MAX_VALUE - 8) {
				throw new InvalidInputException(file + ": " + Files.size(file) + " bytes: an .onnx file holds at most 2 GB (protobuf's limit)",
						"keep large weights as external data next to the model (onnx.save_model(..., save_as_external_data=True))");
			}
			return Files.readAllBytes(file);
		} catch (NoSuchFileException e) {
			throw new InvalidInputException(file + ": file not found", "check the path (relative paths start at "
					+ Path.of("").toAbsolutePath() + ")", e);
		} catch (AccessDeniedException e) {
			throw new InvalidInputException(file + ": permission denied", "make the file readable", e);
		} catch (IOException e) {
			throw new InvalidInputException(file + ": cannot be read (" + IoErrors.describe(e) + ")", null, e);
		}
	}

	/** Parses model bytes (checked as {@link #load(Path)} checks them); {@code source} names them in error messages. */
	public static OnnxModel parse(byte[] bytes, String source) {
		ModelProto proto = parseProto(bytes, source);
		OnnxModel model = new OnnxModel(proto);
		ModelChecks.check(proto.getGraph(), model.graph, source);
		return model;
	}

	/**
	 * Whether {@code file} holds an ONNX model's protobuf with a graph (its content unchecked): what a command may replace with
	 * the model it writes, where any other file (a recipe, labels, notes) is the user's and is refused as a target.
	 */
	public static boolean isModelFile(Path file) {
		if (!Files.isRegularFile(file)) {
			return false;
		}
		try {
			ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(file));
			return proto.hasGraph();
		} catch (IOException e) { // InvalidProtocolBufferException included: not ONNX
			return false;
		}
	}

	private static ModelProto parseProto(byte[] bytes, String source) {
		if (bytes.length == 0) {
			throw new InvalidInputException(source + ": the file is empty, not an ONNX model", "re-export or re-download the model");
		}
		ModelProto proto;
		try {
			proto = ModelProto.parseFrom(bytes);
		} catch (InvalidProtocolBufferException e) {
			String tensor = tensorFile(bytes);
			if (tensor != null) {
				throw new InvalidInputException(source + ": " + tensor, "give the .onnx model; tensor files like this one are a model's test inputs or outputs", e);
			}
			String m = String.valueOf(e.getMessage());
			// ONNX writers put ir_version (field 1, varint: byte 0x08) first; a file that starts so and
			// then ends inside a message was cut short, anything else is simply not ONNX
			boolean looksLikeOnnx = bytes.length > 1 && bytes[0] == 0x08 && bytes[1] > 0 && bytes[1] <= MAX_IR_VERSION + 8;
			if (looksLikeOnnx && (m.contains("ended unexpectedly") || m.contains("truncated"))) {
				throw new InvalidInputException(source + ": truncated ONNX file: the data ends in the middle of a protobuf message ("
						+ bytes.length + " bytes read)", "the file is incomplete (interrupted download or copy?): fetch or export it again", e);
			}
			throw new InvalidInputException(source + ": not an ONNX model (not a valid ONNX protobuf: " + m + ")",
					"give an .onnx file exported by a framework (torch.onnx.export, tf2onnx, skl2onnx...)", e);
		}
		if (!proto.hasGraph() || proto.getIrVersion() == 0) {
			String tensor = tensorFile(bytes);
			if (tensor != null) {
				throw new InvalidInputException(source + ": " + tensor, "give the .onnx model; tensor files like this one are a model's test inputs or outputs");
			}
			throw new InvalidInputException(source + ": not an ONNX model (" + (proto.getIrVersion() == 0 ? "no IR version" : "no graph")
					+ " in the file)", "give an .onnx file exported by a framework (torch.onnx.export, tf2onnx, skl2onnx...)");
		}
		long ir = proto.getIrVersion();
		if (ir < MIN_IR_VERSION || ir > MAX_IR_VERSION) {
			throw new InvalidInputException(source + ": unsupported ONNX IR version " + ir + " (supported: " + MIN_IR_VERSION + " to "
					+ MAX_IR_VERSION + ")", ir > MAX_IR_VERSION
							? "re-export with an older ONNX version, or convert it (onnx.version_converter)"
							: "re-export the model with a current exporter");
		}
		if (proto.getOpsetImportCount() == 0) {
			throw new InvalidInputException(source + ": the model declares no opset import (truncated or damaged file?)",
					"fetch or export the model again");
		}
		return proto;
	}

	/**
	 * What a file that is not a model but one ONNX tensor (a TensorProto: ONNX's test data input_0.pb, output_0.pb) is, or
	 * null. Both messages start with a varint field 1 (a model's IR version, a tensor's first dimension), so a tensor file
	 * read as a model looks cut short; read as a tensor its data has exactly the size its dimensions and type say.
	 */
	static String tensorFile(byte[] bytes) {
		TensorProto t;
		try {
			t = TensorProto.parseFrom(bytes);
		} catch (InvalidProtocolBufferException e) {
			return null;
		}
		DataType type = DataType.of(t.getDataType());
		if (t.getDataType() == 0 || type == DataType.UNDEFINED || type.byteSize() <= 0) {
			return null;
		}
		long elements = 1;
		for (long d : t.getDimsList()) {
			if (d < 0 || d > Integer.MAX_VALUE || (elements *= d) > Integer.MAX_VALUE) {
				return null;
			}
		}
		long stored = t.hasRawData() ? t.getRawData().size() / type.byteSize()
				: t.getFloatDataCount() + t.getInt32DataCount() + t.getInt64DataCount() + t.getDoubleDataCount() + t.getUint64DataCount();
		boolean whole = t.hasRawData() ? t.getRawData().size() == elements * type.byteSize() : stored == elements;
		if (!whole) {
			return null;
		}
		return "an ONNX tensor file (TensorProto" + (t.getName().isEmpty() ? "" : " '" + t.getName() + "'") + ", " + type.displayName() + " "
				+ t.getDimsList() + "), not a model";
	}

	// ------------------------------------------------------------------ header

	public Graph graph() {
		return graph;
	}

	public long irVersion() {
		return header.getIrVersion();
	}

	public void setIrVersion(long version) {
		header.setIrVersion(version);
	}

	public String producerName() {
		return header.getProducerName();
	}

	public String producerVersion() {
		return header.getProducerVersion();
	}

	public void setProducer(String name, String version) {
		header.setProducerName(name).setProducerVersion(version);
	}

	/** Opset version per domain ("" is the default ai.onnx domain), in file order. */
	public Map<String, Long> opsetImports() {
		Map<String, Long> opsets = new LinkedHashMap<>();
		for (OperatorSetIdProto o : header.getOpsetImportList()) {
			opsets.put(o.getDomain(), o.getVersion());
		}
		return opsets;
	}

	/** The opset of the default domain (ai.onnx). */
	public int opset() {
		for (OperatorSetIdProto o : header.getOpsetImportList()) {
			if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
				return (int) o.getVersion();
			}
		}
		return 0;
	}

	/** Sets (or adds) the opset version of a domain. */
	public void setOpset(String domain, long version) {
		for (int i = 0; i < header.getOpsetImportCount(); i++) {
			if (header.getOpsetImport(i).getDomain().equals(domain)) {
				header.setOpsetImport(i, header.getOpsetImport(i).toBuilder().setVersion(version));
				return;
			}
		}
		header.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version));
	}

	public Map<String, String> metadata() {
		Map<String, String> m = new LinkedHashMap<>();
		for (StringStringEntryProto e : header.getMetadataPropsList()) {
			m.put(e.getKey(), e.getValue());
		}
		return m;
	}

	/** Sets a metadata_props entry (replacing one with the same key). */
	public void putMetadata(String key, String value) {
		for (int i = 0; i < header.getMetadataPropsCount(); i++) {
			if (header.getMetadataProps(i).getKey().equals(key)) {
				header.setMetadataProps(i, StringStringEntryProto.newBuilder().setKey(key).setValue(value));
				return;
			}
		}
		header.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value));
	}

	/** Removes the metadata_props entries whose key starts with {@code prefix}. */
	public void removeMetadata(String prefix) {
		for (int i = header.getMetadataPropsCount() - 1; i >= 0; i--) {
			if (header.getMetadataProps(i).getKey().startsWith(prefix)) {
				header.removeMetadataProps(i);
			}
		}
	}

	/** Training algorithms stored with the model (TrainingInfoProto): graphs that only training runs. */
	public List<ai.onnx.proto.OnnxMl.TrainingInfoProto> trainingInfo() {
		return header.getTrainingInfoList();
	}

	/** The model-local functions (ModelProto.functions: onnxscript and torch's dynamo exporter write them). */
	public List<ai.onnx.proto.OnnxMl.FunctionProto> functions() {
		return header.getFunctionsList();
	}

	/** Replaces the model-local functions. */
	public void setFunctions(List<ai.onnx.proto.OnnxMl.FunctionProto> functions) {
		header.clearFunctions().addAllFunctions(functions);
	}

	/** Removes the import of {@code domain}'s opset. */
	public void removeOpsetImport(String domain) {
		for (int i = header.getOpsetImportCount() - 1; i >= 0; i--) {
			if (header.getOpsetImport(i).getDomain().equals(domain)) {
				header.removeOpsetImport(i);
			}
		}
	}

	/** Drops the training algorithms: an inference model must not carry them. */
	public void clearTrainingInfo() {
		header.clearTrainingInfo();
	}

	// ------------------------------------------------------------------ output

	public ModelProto toProto() {
		return header.clone().setGraph(graph.toProto()).build();
	}

	public byte[] toBytes() {
		return toProto().toByteArray();
	}

	/** A deep, independent copy. */
	public OnnxModel copy() {
		return new OnnxModel(toProto());
	}

	/** Writes the model atomically: an error leaves any existing file untouched. */
	public void save(Path file) throws IOException {
		SafeFiles.writeAtomically(file, toBytes());
	}

	// ------------------------------------------------------------------ where it came from

	/** The file this model was loaded from; null for a model built or parsed in memory. */
	public Path file() {
		return file;
	}

	/**
	 * The external-data files {@link #load(Path)} read this model's tensors from (absolute paths inside the
	 * model's folder, in the order first read; empty when all data is inside the .onnx file). They are
	 * inputs as much as the .onnx file: hash them with it.
	 */
	public List<Path> externalDataFiles() {
		return sha256AsRead.keySet().stream().filter(f -> f != file).toList();
	}

	/**
	 * The SHA-256 of the bytes {@link #load(Path)} parsed, of the .onnx file first, then of each {@link #externalDataFiles() external-data
	 * file} (each file hashed whole in the one pass that read its tensors); empty for a model built or parsed in memory. What the model
	 * holds came from exactly these bytes, whatever the files hold before or after.
	 */
	public Map<Path, String> sha256AsRead() {
		return sha256AsRead;
	}

	/**
	 * The external-data files a model file names, checked as {@link #load(Path)} checks them but not read:
	 * for deciding what a command must not overwrite before loading the model.
	 *
	 * @throws InvalidInputException as {@link #load(Path)} for a location outside the model's folder
	 */
	public static List<Path> externalDataFiles(Path file) {
		ModelProto proto = parseProto(read(file), file.toString());
		ExternalData data = new ExternalData(file, file.toString());
		Set<Path> files = new LinkedHashSet<>();
		ExternalData.map(proto.getGraph(), t -> {
			if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
				files.add(data.locate(t));
			}
			return t;
		});
		return List.copyOf(files);
	}
}
