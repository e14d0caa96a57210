package org.quantrace.engine.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.UnaryOperator;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * Tensors a model stores outside its .onnx file, read from the model's folder and nowhere else: a
 * location that is absolute, climbs out with "..", or reaches out through a symbolic link is refused
 * (naming the tensor and the location), so a crafted model cannot copy another file's bytes into our
 * outputs. Every file read is remembered, for the caller to hash as an input.
 */
final class ExternalData {

	private static final String HINT = "quantrace reads external data only from the model's folder and its subfolders: "
			+ "put the data file there (a copy, not a link out) and name it by its relative path";

	private final Path dir;
	private final String source;

	ExternalData(Path model, String source) {
		this.dir = model.toAbsolutePath().normalize().getParent();
		this.source = source;
	}

	/** The SHA-256 of each file read, absolute, in the order first named: of the bytes its tensors were copied from. */
	java.util.Map<Path, String> sha256AsRead() {
		return java.util.Collections.unmodifiableMap(hashes);
	}

	private final java.util.Map<Path, String> hashes = new java.util.LinkedHashMap<>();

	static boolean used(GraphProto g) {
		boolean[] found = { false };
		map(g, t -> {
			found[0] |= t.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
			return t;
		});
		return found[0];
	}

	/**
	 * {@code g} with every external tensor's data read into it: each file read once, from its first byte to its last, hashed as it
	 * is read, and each tensor's bytes taken from that reading. The hash is of the bytes the tensors hold: a hash taken by another
	 * reading may be of another file (one replaced and put back in between).
	 */
	GraphProto inline(GraphProto g) {
		java.util.Map<Path, List<Slice>> slices = new java.util.LinkedHashMap<>();
		List<Slice> inOrder = new java.util.ArrayList<>();
		map(g, t -> {
			if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
				Slice slice = new Slice(t, locate(t), number(t, "offset", 0), number(t, "length", -1));
				slices.computeIfAbsent(slice.file(), f -> new java.util.ArrayList<>()).add(slice);
				inOrder.add(slice);
			}
			return t;
		});
		slices.forEach(this::read);
		java.util.Iterator<Slice> next = inOrder.iterator();
		return map(g, t -> t.getDataLocation() != TensorProto.DataLocation.EXTERNAL ? t
				: t.toBuilder().clearExternalData().clearDataLocation().setRawData(ByteString.copyFrom(next.next().bytes.flip())).build());
	}

	/** One external tensor's place in its file, and its bytes once read. */
	private static final class Slice {
		final TensorProto tensor;
		final Path file;
		final long offset;
		final long length; // -1: to the end of the file
		ByteBuffer bytes;

		Slice(TensorProto tensor, Path file, long offset, long length) {
			this.tensor = tensor;
			this.file = file;
			this.offset = offset;
			this.length = length;
		}

		Path file() {
			return file;
		}
	}

	/** {@code g} with {@code f} applied to every tensor: initializers and node attributes, subgraphs included. */
	static GraphProto map(GraphProto g, UnaryOperator<TensorProto> f) {
		GraphProto.Builder b = g.toBuilder();
		for (int i = 0; i < b.getInitializerCount(); i++) {
			b.setInitializer(i, f.apply(b.getInitializer(i)));
		}
		for (int i = 0; i < b.getNodeCount(); i++) {
			NodeProto.Builder n = b.getNode(i).toBuilder();
			for (int j = 0; j < n.getAttributeCount(); j++) {
				var a = n.getAttribute(j).toBuilder();
				if (a.hasT()) {
					a.setT(f.apply(a.getT()));
				}
				for (int k = 0; k < a.getTensorsCount(); k++) {
					a.setTensors(k, f.apply(a.getTensors(k)));
				}
				if (a.hasG()) {
					a.setG(map(a.getG(), f));
				}
				for (int k = 0; k < a.getGraphsCount(); k++) {
					a.setGraphs(k, map(a.getGraphs(k), f));
				}
				n.setAttribute(j, a);
			}
			b.setNode(i, n);
		}
		return b.build();
	}

	/** Reads {@code data} once, whole, hashing every byte and copying each slice's bytes out as they pass. */
	private void read(Path data, List<Slice> slices) {
		TensorProto first = slices.get(0).tensor;
		try (FileChannel f = FileChannel.open(real(data, first), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
			long size = f.size();
			for (Slice s : slices) {
				TensorProto t = s.tensor;
				long n = s.length >= 0 ? s.length : size - s.offset;
				if (s.offset > size || n < 0 || s.offset + n > size) {
					throw new InvalidInputException(source + ": tensor '" + t.getName() + "' reads bytes " + s.offset + " to " + (s.offset + Math.max(n, 0)) + " of "
							+ data + ", which holds " + size, "the external data file does not belong to this model, or is truncated: export the model again");
				}
				if (n > Integer.MAX_VALUE - 8) {
					throw new InvalidInputException(source + ": tensor '" + t.getName() + "' is " + n + " bytes; quantrace holds tensors up to 2 GB",
							"split the tensor, or quantize the model with a tool for larger models");
				}
				s.bytes = ByteBuffer.allocate((int) n);
			}
			java.security.MessageDigest sha256 = sha256();
			ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
			long at = 0;
			for (int r; (r = f.read(chunk.clear())) >= 0;) {
				chunk.flip();
				sha256.update(chunk.duplicate());
				for (Slice s : slices) { // the part of each slice this chunk holds
					long from = Math.max(at, s.offset);
					long to = Math.min(at + r, s.offset + s.bytes.capacity());
					if (from < to) {
						s.bytes.position((int) (from - s.offset)).put(chunk.duplicate().position((int) (from - at)).limit((int) (to - at)));
					}
				}
				at += r;
			}
			for (Slice s : slices) {
				if (s.offset + s.bytes.capacity() > at) {
					throw new IOException("the file ended early");
				}
				s.bytes.position(s.bytes.capacity()); // filled: flip() makes it whole
			}
			hashes.put(data, java.util.HexFormat.of().formatHex(sha256.digest()));
		} catch (IOException e) {
			throw new InvalidInputException(source + ": cannot read external data of tensor '" + first.getName() + "' from " + data + " ("
					+ IoErrors.describe(e) + ")", "keep the external data file next to the model", e);
		}
	}

	private static java.security.MessageDigest sha256() {
		try {
			return java.security.MessageDigest.getInstance("SHA-256");
		} catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is required by every Java platform", e);
		}
	}

	/**
	 * Where tensor {@code t} keeps its data: a regular file inside the model's folder, also once symbolic
	 * links are resolved.
	 */
	Path locate(TensorProto t) {
		String location = entry(t, "location");
		String what = source + ": tensor '" + t.getName() + "' stores its data at '" + location + "'";
		if (location == null || location.isBlank()) {
			throw new InvalidInputException(source + ": tensor '" + t.getName() + "' is stored externally but names no location",
					"re-export the model with its weights inside the .onnx file");
		}
		Path relative;
		try {
			relative = Path.of(location);
		} catch (InvalidPathException e) {
			throw new InvalidInputException(what + ", which is not a valid path", HINT, e);
		}
		if (relative.isAbsolute() || location.startsWith("/") || location.startsWith("\\") || location.matches("^[A-Za-z]:.*")) {
			throw new InvalidInputException(what + ", an absolute path", HINT);
		}
		Path data = dir.resolve(relative).normalize();
		if (!data.startsWith(dir)) {
			throw new InvalidInputException(what + ", outside the model's folder " + dir, HINT);
		}
		if (!Files.exists(data)) {
			throw new InvalidInputException(what + ": " + data + " does not exist", "keep the external data file next to the model");
		}
		real(data, t);
		return data;
	}

	/** {@code data} with every symbolic link resolved, required to stay a regular file inside the model's (resolved) folder. */
	private Path real(Path data, TensorProto t) {
		String what = source + ": tensor '" + t.getName() + "' stores its data at '" + entry(t, "location") + "'";
		try {
			Path real = data.toRealPath();
			if (!real.startsWith(dir.toRealPath())) {
				throw new InvalidInputException(what + ", a symbolic link out of the model's folder (to " + real + ")", HINT);
			}
			if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
				throw new InvalidInputException(what + ", which is not a regular file", HINT);
			}
			return real;
		} catch (IOException e) {
			throw new InvalidInputException(what + ": cannot be read (" + IoErrors.describe(e) + ")", "keep the external data file next to the model", e);
		}
	}

	private static String entry(TensorProto t, String key) {
		String value = null;
		for (StringStringEntryProto e : t.getExternalDataList()) {
			if (e.getKey().equals(key)) {
				value = e.getValue();
			}
		}
		return value;
	}

	private long number(TensorProto t, String key, long absent) {
		String v = entry(t, key);
		if (v == null) {
			return absent;
		}
		try {
			long n = Long.parseLong(v.trim());
			if (n >= 0) {
				return n;
			}
		} catch (NumberFormatException e) {
			// reported below
		}
		throw new InvalidInputException(source + ": tensor '" + t.getName() + "' gives its external data " + key + " as '" + v
				+ "', not a byte count", "export the model again");
	}
}
