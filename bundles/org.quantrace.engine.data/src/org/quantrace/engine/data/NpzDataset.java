package org.quantrace.engine.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.quantrace.engine.InvalidInputException;

/**
 * A NumPy .npz archive holding the inputs and, optionally, the labels: arrays named x / inputs / images /
 * data and y / labels / targets (else the first and second array). Several input arrays are each read under their name, for a
 * model of several inputs ({@link NamedArraysDataset}).
 */
public final class NpzDataset {

	private static final List<String> INPUT_NAMES = List.of("x", "inputs", "input", "images", "data", "features", "X");
	private static final List<String> LABEL_NAMES = List.of("y", "labels", "label", "targets", "target", "Y");

	private static final String UNCLEAR_HINT = "name them x and y: numpy.savez(file, x=inputs, y=labels); for a model of several inputs,"
			+ " name each array as the input it feeds";

	private NpzDataset() {
	}

	/** The first array named as one of {@code names}, else the only one starting with a prefix (x_test), else null. */
	private static String named(Map<String, NpyArray> arrays, List<String> names, String... prefixes) {
		String exact = names.stream().filter(arrays::containsKey).findFirst().orElse(null);
		if (exact != null) {
			return exact;
		}
		List<String> prefixed = arrays.keySet().stream().filter(k -> java.util.Arrays.stream(prefixes).anyMatch(k::startsWith)).toList();
		return prefixed.size() == 1 ? prefixed.get(0) : null;
	}

	public static Dataset open(Path file) {
		return open(file, null, true);
	}

	/**
	 * The archive's inputs and labels ({@code multilabel}: see {@link NpyDataset#open(Path, Path, boolean)}); the labels come from
	 * {@code labelFile} (an .npy, as {@code --labels} gives it) when it is not null, and every array of the archive is then an input.
	 */
	public static Dataset open(Path file, Path labelFile, boolean multilabel) {
		return open(file, labelFile, multilabel, new FilesAsRead());
	}

	/**
	 * {@link #open(Path, Path, boolean)}, the archive and the label file recorded in {@code read}: the archive is read once, its bytes
	 * hashed as they are copied into a private temporary file, which ZipFile then reads, so the hash recorded is of the very bytes
	 * the arrays come from; a label .npy is checked as it is read ({@link NpyArray#sha256AsRead}).
	 */
	static Dataset open(Path file, Path labelFile, boolean multilabel, FilesAsRead read) {
		return open(file, arrays(file, read), labelFile, multilabel, read);
	}

	/**
	 * The archive's arrays from one reading of it, hashed as read ({@code read}): ZipInputStream reads the entries as the bytes pass,
	 * and the central directory at the end (the list numpy.load reads) must name the same entries with the same CRC-32. Hashing the
	 * file by passes of its own before and after left an archive swapped and put back between them unseen (hostile20's leftover); a
	 * private temporary copy, which ZipFile then read, was left behind in the temporary folder when the process was killed (verify63).
	 * One pass, no copy: nothing to leave behind.
	 */
	private static Map<String, NpyArray> arrays(Path file, FilesAsRead read) {
		Map<String, NpyArray> arrays = new LinkedHashMap<>();
		List<ZipDirectory.Entry> local = new java.util.ArrayList<>();
		ZipDirectory.Tail[] kept = new ZipDirectory.Tail[1];
		try (java.io.InputStream in = read.open(file); ZipInputStream zip = new ZipInputStream(kept[0] = new ZipDirectory.Tail(in))) {
			ZipDirectory.Tail tail = kept[0];
			for (ZipEntry e; (e = zip.getNextEntry()) != null;) {
				byte[] bytes = entry(file, e, zip);
				local.add(new ZipDirectory.Entry(e.getName(), e.getCrc()));
				if (e.getName().endsWith(".npy")) {
					requireChecksum(file, e, bytes);
					String key = e.getName().substring(0, e.getName().length() - 4);
					arrays.put(key, NpyArray.parse(ByteBuffer.wrap(bytes), file + ":" + e.getName()));
				}
			}
			tail.drain();
			requireSameEntries(file, local, tail.directory());
		} catch (NoSuchFileException | java.io.FileNotFoundException e) {
			throw new InvalidInputException(file + ": file not found", "check the data path", e);
		} catch (IOException e) {
			if (kept[0] != null && kept[0].startsLikeZip()) { // a zip whose end is missing: "not a NumPy .npz archive", "save it with numpy.savez" (hostile15)
				throw new InvalidInputException(file + ": the archive is cut short or damaged (" + e.getMessage() + "): it starts as a zip archive but its"
						+ " directory, which a zip keeps at its end, cannot be read", "an interrupted copy or download? copy it again, or save the arrays again"
								+ " (numpy.savez)", e);
			}
			throw new InvalidInputException(file + ": not a NumPy .npz archive (" + e.getMessage() + ")", "save it with numpy.savez", e);
		}
		if (arrays.isEmpty()) {
			throw new InvalidInputException(file + ": the archive holds no arrays", "save it with numpy.savez(file, x=inputs, y=labels)");
		}
		return arrays;
	}

	/**
	 * An entry's bytes. ZipInputStream checks the CRC-32 as the last bytes arrive and refuses a mismatch: said as a damaged entry, with
	 * both checksums, as {@link #requireChecksum} says it.
	 */
	private static byte[] entry(Path file, ZipEntry e, ZipInputStream zip) throws IOException {
		try {
			return zip.readAllBytes();
		} catch (java.util.zip.ZipException z) {
			java.util.regex.Matcher m = java.util.regex.Pattern.compile("invalid entry CRC \\(expected 0x(\\p{XDigit}+) but got 0x(\\p{XDigit}+)\\)")
					.matcher(String.valueOf(z.getMessage()));
			if (m.find()) {
				throw damaged(file, e, Long.parseLong(m.group(1), 16), Long.parseLong(m.group(2), 16));
			}
			throw z;
		}
	}

	/**
	 * The entries the archive's directory lists against those its local headers hold: an archive whose two lists differ shows numpy.load
	 * (which reads the directory) other arrays than a reader of the entries.
	 */
	private static void requireSameEntries(Path file, List<ZipDirectory.Entry> local, List<ZipDirectory.Entry> directory) {
		if (!local.equals(directory)) {
			throw new InvalidInputException(file + ": damaged: its zip directory lists " + names(directory) + " but its entries hold " + names(local)
					+ " (numpy.load reads the directory's)", "copy the archive again from where it came, or save the arrays again (numpy.savez)");
		}
	}

	private static String names(List<ZipDirectory.Entry> entries) {
		return entries.stream().map(e -> String.format(java.util.Locale.ROOT, "%s (CRC-32 %08x)", e.name(), e.crc())).toList().toString();
	}

	private static Dataset open(Path file, Map<String, NpyArray> arrays, Path labelFile, boolean multilabel, FilesAsRead read) {
		List<String> keys = List.copyOf(arrays.keySet());
		String inputs = named(arrays, INPUT_NAMES, "x_", "X_");
		String labels = named(arrays, LABEL_NAMES, "y_", "Y_");
		if (labelFile != null) {
			if (labels != null) { // read once, from one place: which of the two a run scored would not be said
				throw new InvalidInputException(file + ": the archive holds labels ('" + labels + "') and a label file is given (" + labelFile + ")",
						"give the labels once: in the archive (y=labels) or as the label file");
			}
			return withLabels(file, arrays, inputs == null ? keys.get(0) : inputs, labelFile, multilabel, read);
		}
		boolean positional = keys.equals(List.of("arr_0", "arr_1")) || keys.equals(List.of("arr_0"));
		String unclear = null;
		if (inputs == null && labels == null && keys.size() > 1 && !positional) {
			// guessing by order took the labels for the inputs when they came first (numpy.savez(f, target=y, features=x))
			unclear = file + ": cannot tell the inputs from the labels among "
					+ String.join(", ", keys.stream().map(k -> k + " " + java.util.Arrays.toString(arrays.get(k).shape())).toList());
			if (arrays.values().stream().anyMatch(a -> a.shape().length < 2)) { // an [N] array may be labels: no model's inputs
				throw new InvalidInputException(unclear, UNCLEAR_HINT);
			}
		}
		if (inputs == null) {
			String l = labels;
			inputs = keys.stream().filter(k -> !k.equals(l)).findFirst().orElse(keys.get(0));
		}
		if (labels == null && keys.size() > 1 && unclear == null) {
			String i = inputs;
			labels = keys.stream().filter(k -> !k.equals(i)).findFirst().orElse(null);
		}
		Map<String, NpyArray> named = new LinkedHashMap<>(arrays);
		if (labels != null) {
			named.remove(labels);
		}
		requireOneCount(file, named, labels == null ? null : arrays.get(labels), labels);
		NpyDataset first = NpyDataset.of(file + ":" + inputs, arrays.get(inputs), labels == null ? null : arrays.get(labels), file, multilabel);
		if (named.size() < 2) {
			return first;
		}
		// several arrays: a model of several inputs reads each under its name (input_ids, attention_mask); one of one input, the first
		return new NamedArraysDataset(first, named, file.toString(), unclear == null ? null : unclear + ": " + UNCLEAR_HINT);
	}

	/**
	 * Requires the archive's input arrays to count one number of samples: an image array of 400 rows beside features and labels
	 * of 500 was refused as "500 labels for 400 samples", sending the user to the labels, which were right.
	 */
	private static void requireOneCount(Path file, Map<String, NpyArray> inputs, NpyArray labels, String labelName) {
		if (inputs.values().stream().map(a -> a.shape().length == 0 ? -1 : a.shape()[0]).distinct().count() > 1) {
			List<String> each = new java.util.ArrayList<>();
			inputs.forEach((k, a) -> each.add(k + " " + java.util.Arrays.toString(a.shape())));
			throw new InvalidInputException(file + ": the arrays count different numbers of samples (first axis): " + String.join(", ", each)
					+ (labels == null ? "" : "; labels " + labelName + " " + java.util.Arrays.toString(labels.shape())),
					"give every array the same first axis, one row per sample (a shortened or filtered array?)");
		}
	}

	/** Every array of the archive as an input, the labels from {@code labelFile}; the dataset's files are both. */
	private static Dataset withLabels(Path file, Map<String, NpyArray> arrays, String inputs, Path labelFile, boolean multilabel, FilesAsRead read) {
		requireOneCount(file, arrays, null, null);
		NpyArray y = NpyArray.open(labelFile);
		NpyDataset first = NpyDataset.of(file + ":" + inputs, arrays.get(inputs), y, labelFile, multilabel).withFiles(List.of(file, labelFile));
		read.record(labelFile, y.asRead());
		return arrays.size() < 2 ? first : new NamedArraysDataset(first, arrays, file.toString(), null);
	}

	/**
	 * An entry whose bytes are not those the archive's CRC-32 records: a bit flipped on a disk or in a copy. ZipFile does not check it
	 * for an entry stored uncompressed (numpy.savez's), so the damaged array was read as data and evaluated, exit 0 (hostile15), where
	 * numpy.load refuses it ("Bad CRC-32"); a damaged compressed one (savez_compressed) was said to be a truncated .npy.
	 */
	private static void requireChecksum(Path file, ZipEntry e, byte[] bytes) {
		java.util.zip.CRC32 crc = new java.util.zip.CRC32();
		crc.update(bytes);
		if (e.getCrc() != -1 && crc.getValue() != e.getCrc()) {
			throw damaged(file, e, e.getCrc(), crc.getValue());
		}
	}

	private static InvalidInputException damaged(Path file, ZipEntry e, long recorded, long read) {
		return new InvalidInputException(String.format(java.util.Locale.ROOT, "%s:%s: damaged: its bytes do not match the archive's checksum (CRC-32 %08x"
				+ " recorded, %08x read), as numpy.load says (\"Bad CRC-32\")", file, e.getName(), recorded, read),
				"copy the archive again from where it came, or save the arrays again (numpy.savez)");
	}
}
