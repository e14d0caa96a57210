package org.quantrace.engine.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.security.MessageDigest;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.SafeFiles;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.runtime.NdArray;

/**
 * A NumPy .npy array, memory-mapped so that slices along the first axis can be read without loading
 * the whole file (format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
 */
public final class NpyArray {

	private static final byte[] MAGIC = { (byte) 0x93, 'N', 'U', 'M', 'P', 'Y' };
	private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-zA-Z])(\\d*)'");
	private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
	private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

	private final String source;
	private final char kind;
	private final int itemSize;
	private final long[] shape;
	private final ByteBuffer data;
	/**
	 * The file and the offset of the data in it, when opened from a file: slices are read from it with positional reads,
	 * not through the mapping, whose pages, once touched, stay in the process's resident memory (the memory of calibrating on
	 * 64 images of 320x320 grew by the 59 MB of the images read, not collectable). Null for .npz entries.
	 */
	private Path file;
	private long dataOffset;
	/** The header's bytes as parsed, held against the file's one hashed pass ({@link #hashed}). */
	private byte[] parsedHeader;
	/**
	 * The SHA-256 of each {@link #BLOCK} of the data (from {@link #dataOffset} to the end of the file), and of the whole file, from
	 * one streaming pass over it (memory: 32 bytes a MiB); null until a slice or {@link #asRead} needs them. Every slice is then
	 * read from blocks whose bytes hash as in that pass, so that the samples are of the file the hash names: an array written in
	 * place while a run read it gave samples of both contents under the hash of one (hostile19).
	 */
	private byte[][] blockHashes;
	private FilesAsRead.Read asRead;
	/** The last block read and checked, and its index: consecutive batches of small samples share one reading of a block. */
	private ByteBuffer checkedBlock;
	private long checkedIndex = -1;

	/** The data's bytes are read and checked a block of this many at a time (a multiple of every element size). */
	static final int BLOCK = 1 << 20;

	private NpyArray(String source, char kind, int itemSize, long[] shape, ByteBuffer data) {
		this.source = source;
		this.kind = kind;
		this.itemSize = itemSize;
		this.shape = shape;
		this.data = data;
	}

	/** Opens an .npy file; errors name the file and say what is wrong. */
	public static NpyArray open(Path file) {
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
			if (channel.size() > Integer.MAX_VALUE) {
				throw new InvalidInputException(file + ": " + channel.size() + " bytes; quantrace reads .npy files up to 2 GB",
						"split the array into several files, or use an image folder");
			}
			ByteBuffer buffer = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
			NpyArray array = parse(buffer, file.toString());
			array.file = file;
			array.dataOffset = channel.size() - array.data.capacity();
			array.parsedHeader = new byte[Math.toIntExact(array.dataOffset)];
			buffer.get(0, array.parsedHeader);
			return array;
		} catch (NoSuchFileException e) {
			throw new InvalidInputException(file + ": file not found", "check the path of the .npy file", e);
		} catch (IOException e) {
			throw new InvalidInputException(file + ": cannot be read (" + IoErrors.describe(e) + ")", null, e);
		}
	}

	/**
	 * The bytes of an .npy file, read whole (for {@link #parse} after hashing them: the hash is then of the very bytes parsed,
	 * where a file mapped by {@link #open} shows any later write); errors as {@link #open}'s.
	 */
	public static byte[] bytes(Path file) {
		try {
			if (Files.size(file) > Integer.MAX_VALUE - 8) {
				throw new InvalidInputException(file + ": " + Files.size(file) + " bytes; quantrace reads .npy files up to 2 GB",
						"split the array into several files, or use an image folder");
			}
			return Files.readAllBytes(file);
		} catch (NoSuchFileException e) {
			throw new InvalidInputException(file + ": file not found", "check the path of the .npy file", e);
		} catch (IOException e) {
			throw new InvalidInputException(file + ": cannot be read (" + IoErrors.describe(e) + ")", null, e);
		}
	}

	/** Parses .npy bytes (e.g. an entry of an .npz archive). */
	public static NpyArray parse(ByteBuffer buffer, String source) {
		buffer.order(ByteOrder.LITTLE_ENDIAN);
		if (!buffer.hasRemaining()) { // said "no \x93NUMPY header" of a file that holds nothing at all
			throw new InvalidInputException(source + ": the file is empty (0 bytes)", "an interrupted copy or download? save the array again with numpy.save");
		}
		String looksLike = looksLike(buffer.get(buffer.position()) & 0xFF);
		byte[] magic = new byte[MAGIC.length];
		// the magic was compared with itself, so any file of 10 bytes or more was read as a header ({"a": [1]}: "format version 91")
		if (buffer.remaining() < 10 || !Arrays.equals(MAGIC, readMagic(buffer, magic))) {
			throw new InvalidInputException(source + ": not a NumPy .npy file (no \\x93NUMPY header" + looksLike + ")", "save the array with numpy.save"
					+ (looksLike.isEmpty() ? "" : "; a JSON label map ({\"bag\": 8, ...}) names the classes of an image folder or a table's"
							+ " class names: the labels of .npy data are an .npy of class indices, numpy.save(file, y)"));
		}
		int major = buffer.get() & 0xFF;
		buffer.get();
		if (major < 1 || major > 3 || buffer.remaining() < (major == 1 ? 2 : 4)) {
			throw new InvalidInputException(source + ": malformed .npy header: format version " + major + " (quantrace reads 1.0 to 3.0)",
					"save the array with numpy.save");
		}
		long headerLength = major == 1 ? buffer.getShort() & 0xFFFF : buffer.getInt() & 0xFFFFFFFFL;
		if (headerLength > buffer.remaining()) {
			throw new InvalidInputException(source + ": truncated .npy header: it announces " + headerLength + " bytes, the file has "
					+ buffer.remaining() + " after the magic", "the file is incomplete (interrupted copy?): save the array again");
		}
		byte[] header = new byte[(int) headerLength];
		buffer.get(header);
		String h = new String(header, major >= 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
		Matcher d = DESCR.matcher(h);
		Matcher f = FORTRAN.matcher(h);
		Matcher s = SHAPE.matcher(h);
		if (!d.find() || !f.find() || !s.find()) {
			throw new InvalidInputException(source + ": malformed .npy header: " + h.trim(), "save the array with numpy.save");
		}
		ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
		if ("UOSaVMm".indexOf(d.group(2).charAt(0)) >= 0) {
			throw new InvalidInputException(source + ": .npy element type " + d.group(1) + d.group(2) + d.group(3) + " ("
					+ ("USa".indexOf(d.group(2).charAt(0)) >= 0 ? "text" : d.group(2).equals("O") ? "Python objects" : "not numbers")
					+ "): inputs and labels are numbers", "labels: class indices (numpy: np.unique(names, return_inverse=True)[1]); inputs: x.astype(np.float32)");
		}
		if (f.group(1).equals("True")) {
			throw new InvalidInputException(source + ": Fortran-ordered arrays are not supported", "save numpy.ascontiguousarray(array)");
		}
		List<Long> dims = new ArrayList<>();
		for (String part : s.group(1).split(",")) {
			if (!part.isBlank()) {
				dims.add(dimension(part.trim(), h, source));
			}
		}
		char kind = d.group(2).charAt(0);
		int itemSize = d.group(3).isEmpty() || d.group(3).length() > 2 ? 0 : Integer.parseInt(d.group(3)); // 0: no type we read (reported next)
		long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
		NpyArray array = new NpyArray(source, kind, itemSize, shape, buffer.slice().order(order));
		array.elementType(); // fail early on unsupported types
		long expected;
		try {
			expected = Math.multiplyExact(array.elementCount(), itemSize);
		} catch (ArithmeticException e) {
			throw new InvalidInputException(source + ": the header's shape " + Arrays.toString(shape) + " overflows", "save the array again");
		}
		if (array.data.remaining() < expected) {
			throw new InvalidInputException(source + ": truncated: the header announces " + expected + " bytes of data, the file has "
					+ array.data.remaining(), "save the array again");
		}
		return array;
	}

	private static long dimension(String text, String header, String source) {
		try {
			long d = Long.parseLong(text.endsWith("L") ? text.substring(0, text.length() - 1) : text);
			if (d >= 0) {
				return d;
			}
		} catch (NumberFormatException e) {
			// reported below
		}
		throw new InvalidInputException(source + ": malformed .npy header: shape entry '" + text + "' is not a size (" + header.trim() + ")",
				"save the array with numpy.save");
	}

	/** What a file that is no .npy looks like by its first byte: "; it starts like a JSON file", or "". */
	private static String looksLike(int first) {
		return first == '{' || first == '[' ? "; it starts like a JSON file" : "";
	}

	private static byte[] readMagic(ByteBuffer buffer, byte[] into) {
		buffer.get(into);
		return into;
	}

	public long[] shape() {
		return shape.clone();
	}

	public long elementCount() {
		long n = 1;
		for (long d : shape) {
			n = Math.multiplyExact(n, d);
		}
		return n;
	}

	/** Whether numpy stored bools (read as UINT8 0/1 bytes: labels and flags, not samples). */
	public boolean bool() {
		return kind == 'b';
	}

	/** The element type, as an ONNX type: float16 and float64 are read as FLOAT (converted), bool as UINT8; either byte order. */
	public DataType elementType() {
		return switch (kind + "" + itemSize) {
		case "f2", "f4", "f8" -> DataType.FLOAT;
		case "u1", "b1" -> DataType.UINT8;
		case "i1" -> DataType.INT8;
		case "i4" -> DataType.INT32;
		case "i8" -> DataType.INT64;
		default -> throw new InvalidInputException(source + ": unsupported .npy element type " + kind + itemSize,
				"use float32 (float16 and float64 are converted), uint8, int8, int32, int64 or bool");
		};
	}

	/** Rows {@code [from, to)} along the first axis, converted to the ONNX type of {@link #elementType()}. */
	public NdArray slice(int from, int to) {
		return slice(from, to, null);
	}

	/** {@link #slice(int, int)}, written into {@code reuse} if the elements are read as floats and it has exactly their number. */
	public NdArray slice(int from, int to, float[] reuse) {
		long row = elementCount() / shape[0];
		int n = Math.toIntExact((to - from) * row);
		long[] sliceShape = shape.clone();
		sliceShape[0] = to - from;
		long start = from * row * itemSize;
		Object values = switch (kind + "" + itemSize) {
		case "f2", "f4", "f8" -> reuse != null && reuse.length == n ? reuse : new float[n];
		case "u1", "b1", "i1" -> new byte[n];
		case "i4" -> new int[n];
		default -> new long[n];
		};
		if (file != null) {
			readFromFile(start, n, values);
		} else {
			ByteBuffer b = data.duplicate().order(data.order());
			b.position(Math.toIntExact(start));
			copy(b, values, 0, n);
		}
		return switch (values) {
		case float[] v -> NdArray.ofFloats(sliceShape, v);
		case byte[] v -> NdArray.ofBytes(elementType(), sliceShape, v);
		case int[] v -> NdArray.ofInts(sliceShape, v);
		default -> NdArray.ofLongs(sliceShape, (long[]) values);
		};
	}

	/** Converts {@code count} elements from {@code b} (at its position) into {@code into[at, at + count)}. */
	private void copy(ByteBuffer b, Object into, int at, int count) {
		switch (into) {
		case float[] v when itemSize == 8 -> {
			var db = b.asDoubleBuffer();
			for (int i = 0; i < count; i++) {
				v[at + i] = (float) db.get(i);
			}
		}
		case float[] v when itemSize == 2 -> {
			var hb = b.asShortBuffer();
			for (int i = 0; i < count; i++) {
				v[at + i] = Float.float16ToFloat(hb.get(i));
			}
		}
		case float[] v -> b.asFloatBuffer().get(v, at, count);
		case byte[] v -> b.get(v, at, count);
		case int[] v -> b.asIntBuffer().get(v, at, count);
		default -> b.asLongBuffer().get((long[]) into, at, count);
		}
	}

	/**
	 * Reads {@code count} elements from {@code position} (bytes into the data) into {@code into}, a block at a time, each block's
	 * bytes checked against its hash from the file's one pass ({@link #hashed}): a batch of 32 images of 3 x 320 x 320 is 39 MB,
	 * which a whole-slice byte buffer doubled in garbage per batch; a block is 1 MiB.
	 */
	private synchronized void readFromFile(long position, int count, Object into) {
		hashed();
		int done = 0;
		for (long k = position / BLOCK; done < count; k++) {
			ByteBuffer block = block(k);
			int from = (int) Math.max(0, position + (long) done * itemSize - k * BLOCK);
			int n = Math.min(count - done, (block.limit() - from) / itemSize);
			if (n <= 0) {
				throw new InvalidInputException(source + ": truncated while reading (the file changed after it was opened)", "save the array again");
			}
			copy(block.duplicate().order(data.order()).position(from), into, done, n);
			done += n;
		}
	}

	/** Data block {@code k}, read from the file and checked against its hash (the last one is kept for the next slice). */
	private ByteBuffer block(long k) {
		if (k == checkedIndex) {
			return checkedBlock;
		}
		if (k >= blockHashes.length) {
			throw new InvalidInputException(source + ": truncated while reading (the file changed after it was opened)", "save the array again");
		}
		checkedIndex = -1; // its buffer is read into next
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
			long start = dataOffset + k * BLOCK;
			long size = Math.min(BLOCK, asRead.bytes() - start);
			ByteBuffer b = checkedBlock != null && checkedBlock.capacity() >= size ? checkedBlock.clear() : ByteBuffer.allocate((int) Math.max(0, size));
			b.limit((int) Math.max(0, size));
			while (b.hasRemaining()) {
				if (channel.read(b, start + b.position()) < 0) {
					throw new InvalidInputException(source + ": truncated while reading (the file changed after it was opened)", "save the array again");
				}
			}
			b.flip();
			MessageDigest md = FilesAsRead.digest();
			md.update(b.duplicate());
			if (!MessageDigest.isEqual(md.digest(), blockHashes[(int) k])) {
				throw FilesAsRead.changed(file, asRead.sha256(), "other bytes at " + start + ".." + (start + size) + " when read again");
			}
			checkedBlock = b;
			checkedIndex = k;
			return b;
		} catch (IOException e) {
			throw new InvalidInputException(source + ": cannot be read (" + IoErrors.describe(e) + ")", null, e);
		}
	}

	/**
	 * The file as this array reads it: the SHA-256 and size of the one streaming pass its slices are checked against (taken at the
	 * first slice or call); null for an array parsed from bytes (an .npz entry).
	 */
	public synchronized FilesAsRead.Read asRead() {
		return file == null ? null : hashed();
	}

	private FilesAsRead.Read hashed() {
		if (asRead != null) {
			return asRead;
		}
		MessageDigest whole = FilesAsRead.digest();
		List<byte[]> blocks = new ArrayList<>();
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
			long size = channel.size();
			ByteBuffer header = ByteBuffer.allocate(parsedHeader.length);
			readFully(channel, header, 0);
			if (!Arrays.equals(header.array(), parsedHeader)) {
				throw new InvalidInputException(file + ": changed while it was read: its header is no longer the one parsed when it was opened",
						"read it again once nothing writes to it (a copy, a download or an export still going?)");
			}
			whole.update(header.array());
			ByteBuffer b = ByteBuffer.allocate((int) Math.min(BLOCK, Math.max(0, size - dataOffset)));
			for (long at = dataOffset; at < size; at += BLOCK) {
				b.clear().limit((int) Math.min(BLOCK, size - at));
				readFully(channel, b, at);
				b.flip();
				whole.update(b.duplicate());
				MessageDigest md = FilesAsRead.digest();
				md.update(b);
				blocks.add(md.digest());
			}
			blockHashes = blocks.toArray(byte[][]::new);
			asRead = new FilesAsRead.Read(java.util.HexFormat.of().formatHex(whole.digest()), size);
			return asRead;
		} catch (IOException e) {
			throw new InvalidInputException(source + ": cannot be read (" + IoErrors.describe(e) + ")", null, e);
		}
	}

	private void readFully(FileChannel channel, ByteBuffer b, long at) throws IOException {
		while (b.hasRemaining()) {
			if (channel.read(b, at + b.position()) < 0) {
				throw new InvalidInputException(source + ": truncated while reading (the file changed after it was opened)", "save the array again");
			}
		}
	}

	/** The whole array. */
	public NdArray read() {
		return slice(0, (int) shape[0]);
	}

	/** Writes {@code array} as a version 1.0 .npy file (atomically). */
	public static void write(Path file, NdArray array) throws IOException {
		String descr = switch (array.type()) {
		case FLOAT -> "<f4";
		case UINT8 -> "|u1";
		case INT8 -> "|i1";
		case INT32 -> "<i4";
		case INT64 -> "<i8";
		default -> throw new IllegalArgumentException("cannot write " + array.type() + " to .npy");
		};
		long[] shape = array.shape();
		StringBuilder dims = new StringBuilder();
		for (long d : shape) {
			dims.append(d).append(", ");
		}
		if (shape.length > 1) {
			dims.setLength(dims.length() - 1);
		}
		String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims.toString().trim() + "), }";
		int padded = ((MAGIC.length + 4 + header.length() + 1 + 63) / 64) * 64;
		header = header + " ".repeat(padded - MAGIC.length - 4 - header.length() - 1) + "\n";
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.write(MAGIC);
		out.write(new byte[] { 1, 0, (byte) (header.length() & 0xFF), (byte) (header.length() >> 8) });
		out.write(header.getBytes(StandardCharsets.ISO_8859_1));
		int n = Math.toIntExact(array.elementCount());
		ByteBuffer b = ByteBuffer.allocate(n * array.type().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
		switch (array.data()) {
		case float[] v -> b.asFloatBuffer().put(v);
		case byte[] v -> b.put(v);
		case int[] v -> b.asIntBuffer().put(v);
		case long[] v -> b.asLongBuffer().put(v);
		default -> throw new IllegalArgumentException("cannot write " + array.type());
		}
		out.write(b.array());
		SafeFiles.writeAtomically(file, out.toByteArray());
	}

	static boolean isNpy(Path file) throws IOException {
		try (var in = Files.newInputStream(file)) {
			return Arrays.equals(MAGIC, in.readNBytes(MAGIC.length));
		}
	}
}
