package org.quantrace.engine.onnx;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.SafeFiles;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
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
	private List<Path> externalDataFiles = List.of();

	private OnnxModel(ModelProto proto) {
		this.header = proto.toBuilder().clearGraph();
		this.graph = new Graph(proto.getGraph(), null);
	}

	/** Wraps an in-memory model without checks (for models we build ourselves). */
	public static OnnxModel of(ModelProto proto) {
		return new OnnxModel(proto);
	}

	/**
	 * Reads an ONNX file. Tensors stored as external data are read into the model.
	 *
	 * @throws InvalidInputException if the file is missing, unreadable, not ONNX, truncated, or of an
	 *                               unsupported IR version
	 */
	public static OnnxModel load(Path file) {
		byte[] bytes;
		try {
			if (Files.isDirectory(file)) {
				throw new InvalidInputException(file + ": is a directory, not an ONNX model file",
						"give the path of the .onnx file inside it");
			}
			bytes = Files.readAllBytes(file);
		} catch (NoSuchFileException e) {
			throw new InvalidInputException(file + ": file not found", "check the path (relative paths start at "
					+ Path.of("").toAbsolutePath() + ")", e);
		} catch (AccessDeniedException e) {
			throw new InvalidInputException(file + ": permission denied", "make the file readable", e);
		} catch (IOException e) {
			throw new InvalidInputException(file + ": cannot be read (" + e.getMessage() + ")", null, e);
		}
		ModelProto proto = parseProto(bytes, file.toString());
		List<Path> external = List.of();
		if (usesExternalData(proto.getGraph())) {
			Path dir = file.toAbsolutePath().getParent();
			external = externalLocations(proto.getGraph(), dir, new java.util.LinkedHashSet<>()).stream().toList();
			proto = proto.toBuilder().setGraph(inline(proto.getGraph(), dir, file.toString())).build();
		}
		OnnxModel model = new OnnxModel(proto);
		model.externalDataFiles = external;
		return model;
	}

	/** The external-data files {@link #load} read tensors from, each once in the order found (empty for a self-contained model): inputs a trace must hash. */
	public List<Path> externalDataFiles() {
		return externalDataFiles;
	}

	/** Parses model bytes; {@code source} names them in error messages. */
	public static OnnxModel parse(byte[] bytes, String source) {
		return new OnnxModel(parseProto(bytes, source));
	}

	private static ModelProto parseProto(byte[] bytes, String source) {
		if (bytes.length == 0) {
			throw new InvalidInputException(source + ": the file is empty, not an ONNX model", "re-export or re-download the model");
		}
		ModelProto proto;
		try {
			proto = ModelProto.parseFrom(bytes);
		} catch (InvalidProtocolBufferException e) {
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

	/** Training algorithms stored with the model (TrainingInfoProto): graphs that only training runs. */
	public List<ai.onnx.proto.OnnxMl.TrainingInfoProto> trainingInfo() {
		return header.getTrainingInfoList();
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

	// ------------------------------------------------------------------ external data

	private static boolean usesExternalData(GraphProto g) {
		return g.getInitializerList().stream().anyMatch(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL)
				|| g.getNodeList().stream().flatMap(n -> n.getAttributeList().stream())
						.anyMatch(a -> (a.hasT() && a.getT().getDataLocation() == TensorProto.DataLocation.EXTERNAL)
								|| (a.hasG() && usesExternalData(a.getG())) || a.getGraphsList().stream().anyMatch(OnnxModel::usesExternalData));
	}

	private static java.util.Set<Path> externalLocations(GraphProto g, Path baseDir, java.util.Set<Path> found) {
		java.util.function.Consumer<TensorProto> add = t -> t.getExternalDataList().stream().filter(e -> e.getKey().equals("location"))
				.forEach(e -> found.add(baseDir.resolve(e.getValue()).normalize()));
		g.getInitializerList().stream().filter(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL).forEach(add);
		for (NodeProto n : g.getNodeList()) {
			for (var a : n.getAttributeList()) {
				if (a.hasT() && a.getT().getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
					add.accept(a.getT());
				}
				if (a.hasG()) {
					externalLocations(a.getG(), baseDir, found);
				}
				a.getGraphsList().forEach(sub -> externalLocations(sub, baseDir, found));
			}
		}
		return found;
	}

	private static GraphProto inline(GraphProto g, Path baseDir, String source) {
		GraphProto.Builder b = g.toBuilder();
		for (int i = 0; i < b.getInitializerCount(); i++) {
			b.setInitializer(i, inline(b.getInitializer(i), baseDir, source));
		}
		for (int i = 0; i < b.getNodeCount(); i++) {
			NodeProto.Builder n = b.getNode(i).toBuilder();
			for (int j = 0; j < n.getAttributeCount(); j++) {
				var a = n.getAttribute(j).toBuilder();
				if (a.hasT()) {
					a.setT(inline(a.getT(), baseDir, source));
				}
				if (a.hasG()) {
					a.setG(inline(a.getG(), baseDir, source));
				}
				for (int k = 0; k < a.getGraphsCount(); k++) {
					a.setGraphs(k, inline(a.getGraphs(k), baseDir, source));
				}
				n.setAttribute(j, a);
			}
			b.setNode(i, n);
		}
		return b.build();
	}

	private static TensorProto inline(TensorProto t, Path baseDir, String source) {
		if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
			return t;
		}
		String location = null;
		long offset = 0;
		long length = -1;
		for (StringStringEntryProto e : t.getExternalDataList()) {
			switch (e.getKey()) {
			case "location" -> location = e.getValue();
			case "offset" -> offset = Long.parseLong(e.getValue());
			case "length" -> length = Long.parseLong(e.getValue());
			default -> {
			}
			}
		}
		if (location == null) {
			throw new InvalidInputException(source + ": tensor '" + t.getName() + "' is stored externally but names no location",
					"re-export the model with its weights inside the .onnx file");
		}
		Path data = baseDir.resolve(location).normalize();
		try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "r")) {
			long n = length >= 0 ? length : f.length() - offset;
			byte[] bytes = new byte[Math.toIntExact(n)];
			f.seek(offset);
			f.readFully(bytes);
			return t.toBuilder().clearExternalData().clearDataLocation().setRawData(ByteString.copyFrom(bytes)).build();
		} catch (IOException e) {
			throw new InvalidInputException(source + ": cannot read external data of tensor '" + t.getName() + "' from " + data + " ("
					+ e.getMessage() + ")", "keep the external data file next to the model", e);
		}
	}
}
