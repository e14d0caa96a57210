package org.quantrace.runner.verify;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * How many samples a dataset file holds, read from what the file says of itself, not from its values and not by the engine's
 * readers: an .npy's header shape (its first axis), an .npz's arrays' headers (their common first axis), an IDX file's first
 * dimension, a CSV's non-blank lines (one of which may be a header: both counts are returned). Gzipped files are read
 * through; the kind is told by the file's first bytes. For {@code verify}'s cheap path ({@link SampleCounts}): a dataset's
 * sample count of 200 made 2,000 in the trace and every document passed it without {@code --deep}.
 */
public final class DataFileCounts {

	/** The samples a file holds: {@code low} to {@code high} (a CSV's lines with or without a header row), and its kind. */
	public record Count(long low, long high, String kind) {
		boolean admits(long n) {
			return n >= low && n <= high;
		}
	}

	private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(\\s*(\\d+)");
	/** An IDX file's data type codes (unsigned byte, byte, short, int, float, double). */
	private static final java.util.Set<Integer> IDX_TYPES = java.util.Set.of(0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E);

	private DataFileCounts() {
	}

	/** The count {@code file} states, or null when its kind is none of these or it cannot be read so (verify's other checks name it). */
	public static Count of(Path file) {
		try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
			InputStream in = raw;
			raw.mark(2);
			boolean gz = raw.read() == 0x1f && raw.read() == 0x8b;
			raw.reset();
			if (gz) {
				in = new BufferedInputStream(new GZIPInputStream(raw));
			}
			return of(in, file.getFileName().toString().toLowerCase(java.util.Locale.ROOT));
		} catch (IOException | RuntimeException e) {
			return null;
		}
	}

	/**
	 * Whether dataset record {@code d}'s sample count is what {@code file}, its data file, holds cut to the recipe's
	 * {@code samples} (0: none): null when it is, or cannot be told, else the problem in verify's words.
	 */
	public static String problem(org.quantrace.model.trace.DatasetRecord d, Path file, int samples) {
		Count c = Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? of(file) : null;
		if (c == null) {
			return null;
		}
		long recorded = d.getSampleCount();
		boolean cut = samples > 0 && recorded == samples && c.high() >= samples; // the first `samples` of more
		if (cut || c.admits(recorded) && (samples <= 0 || recorded <= samples)) {
			return null;
		}
		long held = samples > 0 ? Math.min(samples, c.high()) : c.high();
		String count = c.low() == c.high() ? Long.toString(c.high()) : c.low() + " or " + c.high();
		return "dataset " + d.getId() + " sampleCount (" + c.kind() + " of " + d.getPath() + ": " + count + " samples"
				+ (samples > 0 ? ", the recipe's samples " + samples : "") + "): says " + recorded + ", re-derived " + (c.low() == c.high() || samples > 0 && held == samples ? held : count);
	}

	private static Count of(InputStream in, String name) throws IOException {
		in.mark(8);
		byte[] head = in.readNBytes(4);
		in.reset();
		if (head.length == 4 && (head[0] & 0xff) == 0x93 && head[1] == 'N' && head[2] == 'U' && head[3] == 'M') {
			long n = npyRows(in);
			return n < 0 ? null : new Count(n, n, ".npy header");
		}
		if (head.length == 4 && head[0] == 'P' && head[1] == 'K') {
			return npz(in);
		}
		if (head.length == 4 && head[0] == 0 && head[1] == 0 && IDX_TYPES.contains(head[2] & 0xff) && head[3] > 0) {
			DataInputStream d = new DataInputStream(in);
			d.readInt();
			long n = d.readInt() & 0xffffffffL;
			return new Count(n, n, "IDX header");
		}
		if (name.contains(".csv") || name.contains(".tsv")) {
			long lines = 0;
			String first = null;
			BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
			for (String line = r.readLine(); line != null; line = r.readLine()) {
				boolean blank = line.replace("\uFEFF", "").isBlank();
				first = first == null && !blank ? line.replace("\uFEFF", "") : first;
				lines += blank ? 0 : 1;
			}
			return first != null && named(first) ? new Count(lines - 1, lines - 1, "CSV rows under its header")
					: new Count(Math.max(0, lines - 1), lines, "CSV lines (a header row of numbers or none)");
		}
		return null;
	}

	/** A first line with a cell of text (not a number, not nan): a header, whatever the separator. */
	private static boolean named(String line) {
		for (String cell : line.split("[,;\t]")) {
			String c = cell.strip().replace("\"", "");
			if (!c.isEmpty() && !c.equalsIgnoreCase("nan") && !c.matches("[-+]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][-+]?[0-9]+)?")) {
				return true;
			}
		}
		return false;
	}

	/** The first axis of the .npy array {@code in} starts with; -1 for a header without one (a scalar). */
	private static long npyRows(InputStream in) throws IOException {
		DataInputStream d = new DataInputStream(in);
		byte[] magic = new byte[8];
		d.readFully(magic);
		int length = magic[6] == 1 ? Short.toUnsignedInt(Short.reverseBytes(d.readShort())) : Integer.reverseBytes(d.readInt());
		if (length < 0 || length > 1 << 20) {
			return -1;
		}
		byte[] header = new byte[length];
		d.readFully(header);
		Matcher m = SHAPE.matcher(new String(header, StandardCharsets.ISO_8859_1));
		return m.find() ? Long.parseLong(m.group(1)) : -1;
	}

	/** An .npz's arrays' common first axis (each entry's header only is read), or null when they differ. */
	private static Count npz(InputStream in) throws IOException {
		ZipInputStream zip = new ZipInputStream(in);
		long n = -1;
		for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
			if (!e.getName().endsWith(".npy")) {
				continue;
			}
			long rows = npyRows(new BufferedInputStream(zip));
			if (rows < 0 || n >= 0 && rows != n) {
				return null;
			}
			n = rows;
		}
		return n < 0 ? null : new Count(n, n, ".npz arrays' headers");
	}
}
