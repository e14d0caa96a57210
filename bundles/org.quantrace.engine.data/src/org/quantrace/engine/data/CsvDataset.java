package org.quantrace.engine.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.runtime.NdArray;

/**
 * A CSV table (optionally gzipped), with a header row or without one (columns are then c0, c1, ...):
 * feature columns and label column(s). One label
 * column holds class indices; several hold 0/1 flags (multilabel). By default the last column is the label.
 * Features are scaled by the preprocessing's scale (e.g. 1/16 for scikit-learn's digits).
 */
public final class CsvDataset implements Dataset {

	private final Path file;
	private final float[] features;
	private final int width;
	private final Labels labels;
	private final List<String> labelNames;
	private final double scale;
	/** The line of the file each sample (row) was read from, counted from 1. */
	private final int[] lines;

	private CsvDataset(Path file, float[] features, int width, Labels labels, List<String> labelNames, double scale, int[] lines) {
		this.file = file;
		this.lines = lines;
		this.scale = scale;
		this.features = features;
		this.width = width;
		this.labels = labels;
		this.labelNames = labelNames;
	}

	public static CsvDataset open(Path file, List<String> labelColumns, double scale) {
		return open(file, labelColumns, scale, null);
	}

	/**
	 * Reads the table. The separator is the one of {@code , ; TAB} that splits the first line into the most cells (with {@code ;}
	 * a decimal comma is read as a point); cells may be quoted ("..."); a UTF-8 byte order mark and blank lines are skipped.
	 * The first line is a header when a cell of it is text (not a number, not empty, not nan), or when it is pandas' default
	 * header 0, 1, 2, ... Labels are class indices (whole numbers >= 0, 3.0 too) or, with a {@code labelMap}, class names.
	 */
	public static CsvDataset open(Path file, List<String> labelColumns, double scale, Path labelMap) {
		return open(file, labelColumns, scale, labelMap, new FilesAsRead());
	}

	/** The table and its label map, each read once and hashed as read into {@code read}. */
	static CsvDataset open(Path file, List<String> labelColumns, double scale, Path labelMap, FilesAsRead read) {
		List<float[]> rows = new ArrayList<>();
		List<int[]> targets = new ArrayList<>();
		List<Integer> rowLines = new ArrayList<>();
		String[] header;
		int[] labelIndex;
		Map<String, Integer> classes = labelMap == null ? null : LabelMap.read(labelMap, read).indices();
		try (BufferedReader in = new BufferedReader(new InputStreamReader(
				file.toString().endsWith(".gz") ? new GZIPInputStream(read.open(file)) : read.open(file), StandardCharsets.UTF_8))) {
			String first = in.readLine();
			int line = 1;
			while (first != null && first.replace("\uFEFF", "").isBlank()) {
				first = in.readLine();
				line++;
			}
			if (first == null) {
				throw new InvalidInputException(file + ": empty CSV file", "give a table of feature and label columns");
			}
			if (first.startsWith("\uFEFF")) {
				first = first.substring(1);
			}
			if (first.indexOf('\0') >= 0) { // else "column '\0' holds '\01\03'", NUL characters to the terminal (hostile8)
				throw new InvalidInputException(file + ":" + line + ": holds NUL characters: the table is likely UTF-16 text, and CSV files are read as UTF-8",
						"save it as UTF-8 (iconv -f UTF-16 -t UTF-8 FILE > NEW; pandas: df.to_csv(path, encoding='utf-8'))");
			}
			char separator = separator(first);
			header = split(first, separator);
			boolean named = isHeader(header);
			String pending = null;
			if (!named) { // no header row: columns are named c0, c1, ...
				pending = first;
				header = new String[header.length];
				for (int c = 0; c < header.length; c++) {
					header[c] = "c" + c;
				}
			}
			List<String> names = Arrays.asList(header);
			List<String> wanted = labelColumns == null || labelColumns.isEmpty() ? List.of(header[header.length - 1]) : labelColumns;
			labelIndex = new int[wanted.size()];
			for (int i = 0; i < wanted.size(); i++) {
				if (wanted.subList(0, i).contains(wanted.get(i))) { // read twice it overran the row's labels: exit 70, an internal error
					throw new InvalidInputException(file + ": label column '" + wanted.get(i) + "' is named twice (label columns " + String.join(", ", wanted)
							+ "): each column is one label", "name each label column once (--label-columns " + String.join(",", new java.util.LinkedHashSet<>(wanted)) + ")");
				}
				labelIndex[i] = names.indexOf(wanted.get(i));
				if (labelIndex[i] < 0) {
					throw new InvalidInputException(file + ": no column '" + wanted.get(i) + "' (" + header.length + " columns: " + columns(names) + ")",
							"name an existing label column");
				}
			}
			if (header.length <= labelIndex.length) {
				throw new InvalidInputException(file + ": " + header.length + " column" + (header.length == 1 ? "" : "s") + " (separator '"
						+ (separator == '\t' ? "\\t" : separator) + "'), no feature left beside the label column(s)",
						"give feature columns, then the label column(s), separated by commas, semicolons or tabs");
			}
			if (named) {
				line++;
			}
			for (String s = pending != null ? pending : in.readLine(); s != null; s = in.readLine(), line++) {
				if (s.isBlank()) {
					continue;
				}
				String[] cells = split(s, separator);
				if (cells.length != header.length) {
					throw new InvalidInputException(file + ":" + line + ": " + cells.length + " cells, " + (named ? "the header has " : "the first row has ")
							+ header.length, "give every row the same columns");
				}
				float[] f = new float[header.length - labelIndex.length];
				int[] t = new int[labelIndex.length];
				int k = 0;
				for (int c = 0; c < cells.length; c++) {
					int asLabel = indexOf(labelIndex, c);
					String cell = cells[c].trim();
					if (cell.isEmpty()) {
						throw new InvalidInputException(file + ":" + line + ": column '" + header[c] + "' is empty (a missing value)",
								"fill in or drop the rows with missing values");
					}
					if (asLabel >= 0) {
						t[asLabel] = label(cell, file, line, header[c], classes, labelIndex.length > 1);
					} else {
						try {
							f[k++] = (float) (Double.parseDouble(separator == ';' ? cell.replace(',', '.') : cell) * scale);
						} catch (NumberFormatException e) {
							throw new InvalidInputException(file + ":" + line + ": column '" + header[c] + "' holds '" + cells[c] + "', not a number",
									"features are numbers");
						}
					}
				}
				rows.add(f);
				targets.add(t);
				rowLines.add(line);
			}
		} catch (NoSuchFileException e) {
			throw new InvalidInputException(file + ": file not found", "check the data path", e);
		} catch (IOException e) {
			throw new InvalidInputException(file + ": cannot be read (" + IoErrors.describe(e) + ")", null, e);
		}
		if (rows.isEmpty()) {
			throw new InvalidInputException(file + ": no data rows", "add rows under the header");
		}
		int width = rows.get(0).length;
		float[] features = new float[rows.size() * width];
		for (int i = 0; i < rows.size(); i++) {
			System.arraycopy(rows.get(i), 0, features, i * width, width);
		}
		Labels labels;
		List<String> labelNames = new ArrayList<>();
		if (labelIndex.length == 1) {
			labels = Labels.singleLabel(targets.stream().mapToInt(t -> t[0]).toArray());
			if (classes != null) {
				labelNames.addAll(new LabelMap(classes).names());
			}
		} else {
			byte[] flags = new byte[rows.size() * labelIndex.length];
			for (int i = 0; i < rows.size(); i++) {
				for (int j = 0; j < labelIndex.length; j++) {
					flags[i * labelIndex.length + j] = (byte) targets.get(i)[j];
				}
			}
			labels = Labels.multilabel(flags, labelIndex.length);
			for (int j : labelIndex) {
				labelNames.add(header[j]);
			}
		}
		return new CsvDataset(file, features, width, labels, labelNames, scale, rowLines.stream().mapToInt(Integer::intValue).toArray());
	}

	private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("[-+]?(\\d+([.,]\\d*)?|[.,]\\d+)([eE][-+]?\\d+)?");

	/** Whether a cell reads as a number, or as a missing one: such a first line is data, not a header. */
	private static boolean numberOrMissing(String cell) {
		String c = cell.trim();
		return c.isEmpty() || NUMBER.matcher(c).matches() || c.equalsIgnoreCase("nan") || c.matches("(?i)[-+]?inf(inity)?");
	}

	private static boolean isHeader(String[] first) {
		boolean pandas = true; // pandas writes a frame without column names under the header 0, 1, 2, ...
		for (int c = 0; c < first.length; c++) {
			pandas &= first[c].trim().equals(Integer.toString(c));
		}
		return pandas || !Arrays.stream(first).allMatch(CsvDataset::numberOrMissing);
	}

	/** One label cell: a class index (3 or 3.0), a name of the label map, or a 0/1 flag of a multilabel column. */
	private static int label(String cell, Path file, int line, String column, Map<String, Integer> classes, boolean flag) {
		if (classes != null && !flag) {
			Integer index = classes.get(cell);
			if (index == null) {
				throw new InvalidInputException(file + ":" + line + ": label '" + cell + "' is not in the label map (it names " + columns(List.copyOf(classes.keySet()))
						+ ")", "add the class to the label map, or correct the row");
			}
			return index;
		}
		double v;
		try {
			v = Double.parseDouble(cell);
		} catch (NumberFormatException e) {
			throw new InvalidInputException(file + ":" + line + ": label '" + cell + "' in column '" + column + "' is a name: give a JSON label map"
					+ " of class name -> index (--labels map.json, or labels \"map.json\" in the recipe)", "e.g. {\"" + cell + "\": 0, ...}");
		}
		if (flag && v != 0 && v != 1) {
			throw new InvalidInputException(file + ":" + line + ": column '" + column + "' holds " + cell + ", not a 0/1 flag",
					"multilabel columns hold 0 or 1 per class");
		}
		if (v < 0 || v != Math.rint(v) || v > Integer.MAX_VALUE) {
			throw new InvalidInputException(file + ":" + line + ": label " + cell + " in column '" + column + "' is not a class index",
					"labels are whole numbers >= 0 (the model's output index)");
		}
		return (int) v;
	}

	/** The first columns' names, for a message that stays short on a table of 785 columns. */
	private static String columns(List<String> names) {
		return names.size() <= 12 ? names.toString() : names.subList(0, 10) + " ... " + names.get(names.size() - 1);
	}

	/** Of comma, semicolon and tab, the one that splits {@code first} into the most cells (a comma when none does). */
	private static char separator(String first) {
		char best = ',';
		int most = 1;
		for (char c : new char[] { ',', ';', '\t' }) {
			int n = split(first, c).length;
			if (n > most) {
				most = n;
				best = c;
			}
		}
		return best;
	}

	private static int indexOf(int[] a, int v) {
		for (int i = 0; i < a.length; i++) {
			if (a[i] == v) {
				return i;
			}
		}
		return -1;
	}

	/** Cells of one line; a cell may be quoted, a quote inside doubled (RFC 4180; no line breaks in cells). */
	private static String[] split(String line, char separator) {
		List<String> cells = new ArrayList<>();
		StringBuilder cell = new StringBuilder();
		boolean quoted = false;
		for (int i = 0; i < line.length(); i++) {
			char ch = line.charAt(i);
			if (quoted) {
				if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
					cell.append('"');
					i++;
				} else if (ch == '"') {
					quoted = false;
				} else {
					cell.append(ch);
				}
			} else if (ch == '"' && cell.toString().isBlank()) {
				quoted = true;
				cell.setLength(0);
			} else if (ch == separator) {
				cells.add(cell.toString());
				cell.setLength(0);
			} else {
				cell.append(ch);
			}
		}
		cells.add(cell.toString());
		return cells.toArray(String[]::new);
	}

	/** The features as read, multiplied by the scale they were opened with (1: not at all), as float32. */
	@Override
	public String preprocessing() {
		return (scale == 1 ? "none (features as read" : "features " + Preprocessing.scaleText(scale) + " (no other step") + ", float32)";
	}

	@Override
	public String name() {
		return file.toString();
	}

	@Override
	public int size() {
		return features.length / width;
	}

	@Override
	public long[] sampleShape() {
		return new long[] { width };
	}

	@Override
	public String sampleAt(int i) {
		return "the row on line " + lines[i] + " (sample " + i + ", counted from 0)";
	}

	@Override
	public List<String> labelNames() {
		return labelNames;
	}

	@Override
	public List<Path> files() {
		return List.of(file.getFileName());
	}

	@Override
	public Path root() {
		return file.toAbsolutePath().getParent();
	}

	@Override
	public Batch read(int from, int to) {
		float[] values = Arrays.copyOfRange(features, from * width, to * width);
		Samples.requireFinite(values, width, from, name());
		return new Batch(NdArray.ofFloats(new long[] { to - from, width }, values),
				ArrayDataset.slice(labels, from, to));
	}

	@Override
	public Labels labels(int from, int to) {
		return ArrayDataset.slice(labels, from, to);
	}
}
