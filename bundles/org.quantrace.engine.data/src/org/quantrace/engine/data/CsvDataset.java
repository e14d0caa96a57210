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

	private CsvDataset(Path file, float[] features, int width, Labels labels, List<String> labelNames) {
		this.file = file;
		this.features = features;
		this.width = width;
		this.labels = labels;
		this.labelNames = labelNames;
	}

	public static CsvDataset open(Path file, List<String> labelColumns, double scale) {
		List<float[]> rows = new ArrayList<>();
		List<int[]> targets = new ArrayList<>();
		String[] header;
		int[] labelIndex;
		try (BufferedReader in = new BufferedReader(new InputStreamReader(
				file.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(file)) : Files.newInputStream(file), StandardCharsets.UTF_8))) {
			String first = in.readLine();
			if (first == null) {
				throw new InvalidInputException(file + ": empty CSV file", "give a table of feature and label columns");
			}
			header = split(first);
			boolean numeric = Arrays.stream(header).allMatch(c -> c.trim().matches("[-+]?[0-9.eE+-]+"));
			String pending = null;
			if (numeric) { // no header row: columns are named c0, c1, ...
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
				labelIndex[i] = names.indexOf(wanted.get(i));
				if (labelIndex[i] < 0) {
					throw new InvalidInputException(file + ": no column '" + wanted.get(i) + "' (columns: " + names + ")", "name an existing label column");
				}
			}
			int line = pending == null ? 1 : 0;
			for (String s = pending != null ? pending : in.readLine(); s != null; s = in.readLine()) {
				line++;
				if (s.isBlank()) {
					continue;
				}
				String[] cells = split(s);
				if (cells.length != header.length) {
					throw new InvalidInputException(file + ":" + line + ": " + cells.length + " cells, the header has " + header.length, null);
				}
				float[] f = new float[header.length - labelIndex.length];
				int[] t = new int[labelIndex.length];
				int k = 0;
				for (int c = 0; c < cells.length; c++) {
					int asLabel = indexOf(labelIndex, c);
					try {
						if (asLabel >= 0) {
							t[asLabel] = Integer.parseInt(cells[c].trim());
						} else {
							f[k++] = (float) (Double.parseDouble(cells[c].trim()) * scale);
						}
					} catch (NumberFormatException e) {
						throw new InvalidInputException(file + ":" + line + ": column '" + header[c] + "' holds '" + cells[c] + "', not a number", null);
					}
				}
				rows.add(f);
				targets.add(t);
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
		return new CsvDataset(file, features, width, labels, labelNames);
	}

	private static int indexOf(int[] a, int v) {
		for (int i = 0; i < a.length; i++) {
			if (a[i] == v) {
				return i;
			}
		}
		return -1;
	}

	private static String[] split(String line) {
		return line.split(",", -1);
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
}
