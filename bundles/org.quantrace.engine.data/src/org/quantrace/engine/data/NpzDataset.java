package org.quantrace.engine.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

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
	 * The archive's arrays from one reading of it. ZipFile reads an archive by its directory, entry by entry, from the file as it is at
	 * each reading; hashing the file by passes of its own before and after left an archive swapped and put back between them unseen
	 * (hostile20's leftover): the arrays of the other archive under the hash of this one. A private copy cannot change under ZipFile.
	 */
	private static Map<String, NpyArray> arrays(Path file, FilesAsRead read) {
		Path copy;
		try {
			copy = java.nio.file.Files.createTempFile("quantrace-npz-", ".zip");
		} catch (IOException e) {
			throw new java.io.UncheckedIOException("cannot make a temporary copy of " + file + " to read it", e);
		}
		try {
			try (java.io.InputStream in = read.open(file)) {
				java.nio.file.Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
			} catch (NoSuchFileException e) {
				throw new InvalidInputException(file + ": file not found", "check the data path", e);
			} catch (IOException e) {
				throw new InvalidInputException(file + ": cannot be read (" + e.getMessage() + ")", "give a NumPy .npz archive (numpy.savez) the run can read", e);
			}
			return arrays(file, copy);
		} finally {
			try {
				java.nio.file.Files.deleteIfExists(copy);
			} catch (IOException e) {
				copy.toFile().deleteOnExit(); // the copy of a dataset is not left behind where the system allows
			}
		}
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
			throw new InvalidInputException(String.format(java.util.Locale.ROOT, "%s:%s: damaged: its bytes do not match the archive's checksum (CRC-32 %08x"
					+ " recorded, %08x read), as numpy.load says (\"Bad CRC-32\")", file, e.getName(), e.getCrc(), crc.getValue()),
					"copy the archive again from where it came, or save the arrays again (numpy.savez)");
		}
	}

	/** Whether {@code file} begins with a zip entry's signature (PK, 3, 4), as every .npz does. */
	private static boolean startsLikeZip(Path file) {
		try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
			return java.util.Arrays.equals(in.readNBytes(4), new byte[] { 'P', 'K', 3, 4 });
		} catch (IOException e) {
			return false;
		}
	}

	/** The arrays of archive {@code zipFile}, a copy of {@code file}, which messages name. */
	private static Map<String, NpyArray> arrays(Path file, Path zipFile) {
		Map<String, NpyArray> arrays = new LinkedHashMap<>();
		try (ZipFile zip = new ZipFile(zipFile.toFile())) {
			for (ZipEntry e : java.util.Collections.list(zip.entries())) {
				if (e.getName().endsWith(".npy")) {
					byte[] bytes = zip.getInputStream(e).readAllBytes();
					requireChecksum(file, e, bytes);
					String key = e.getName().substring(0, e.getName().length() - 4);
					arrays.put(key, NpyArray.parse(ByteBuffer.wrap(bytes), file + ":" + e.getName()));
				}
			}
		} catch (NoSuchFileException | java.io.FileNotFoundException e) {
			throw new InvalidInputException(file + ": file not found", "check the data path", e);
		} catch (IOException e) {
			if (startsLikeZip(zipFile)) { // a zip whose end is missing: "not a NumPy .npz archive", "save it with numpy.savez" (hostile15)
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
}
