package org.quantrace.engine.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.recipe.ColorMode;
import org.quantrace.model.recipe.Layout;

/**
 * MNIST-family IDX files (optionally gzipped): unsigned-byte images [N, H, W] with a label file [N].
 * The raw bytes are held (they are small: 7.8 MB for 10,000 28×28 images); each batch is preprocessed
 * when read. Only scaling, normalization, layout and type apply (IDX images are already one size).
 */
public final class IdxDataset implements Dataset {

	private final Path images;
	private final Path labelFile;
	private final byte[] pixels;
	private final int[] labels;
	private final int rows;
	private final int cols;
	private final Preprocessing preprocessing;

	private IdxDataset(Path images, Path labelFile, byte[] pixels, int[] labels, int rows, int cols, Preprocessing preprocessing) {
		this.images = images;
		this.labelFile = labelFile;
		this.pixels = pixels;
		this.labels = labels;
		this.rows = rows;
		this.cols = cols;
		this.preprocessing = preprocessing;
	}

	public static IdxDataset open(Path images, Path labelFile, Preprocessing preprocessing) {
		return open(images, labelFile, preprocessing, new FilesAsRead());
	}

	/** The images and labels, each file read once and hashed as read into {@code read} (the pixels are kept: no second reading). */
	static IdxDataset open(Path images, Path labelFile, Preprocessing preprocessing, FilesAsRead read) {
		if (preprocessing.resizeWidth() > 0 || preprocessing.cropWidth() > 0 || preprocessing.color() != ColorMode.GRAYSCALE) {
			throw new InvalidInputException(images + ": IDX images are grayscale and of one size: resize, crop and colour do not apply",
					"remove them from the preprocessing");
		}
		try (DataInputStream in = open(images, read)) {
			int magic = header(in, images, "image");
			if (magic != 0x00000803) {
				throw new InvalidInputException(images + ": not an IDX image file (magic " + Integer.toHexString(magic) + ", expected 803)",
						"give e.g. t10k-images-idx3-ubyte(.gz)");
			}
			int n = header(in, images, "image");
			int rows = header(in, images, "image");
			int cols = header(in, images, "image");
			if (n <= 0 || rows <= 0 || cols <= 0 || (long) n * rows * cols > Integer.MAX_VALUE - 8) {
				throw new InvalidInputException(images + ": the IDX header announces " + n + " images of " + rows + " x " + cols
						+ (n <= 0 || rows <= 0 || cols <= 0 ? ": no images" : ", more than 2 GB of pixels"), "give an IDX image file with images in it");
			}
			byte[] pixels = in.readNBytes(n * rows * cols);
			if (pixels.length != n * rows * cols) {
				throw new InvalidInputException(images + ": truncated: " + n + " images announced, " + pixels.length / (rows * cols) + " present",
						"the file is incomplete: fetch or copy it again");
			}
			int[] labels = labelFile == null ? null : readLabels(labelFile, n, read);
			return new IdxDataset(images, labelFile, pixels, labels, rows, cols, preprocessing);
		} catch (NoSuchFileException e) {
			throw new InvalidInputException(images + ": file not found", "check the data path", e);
		} catch (IOException e) {
			throw new InvalidInputException(images + ": cannot be read (" + IoErrors.describe(e) + ")", null, e);
		}
	}

	/** One big-endian int of the IDX header; an empty or cut file says so. */
	private static int header(DataInputStream in, Path file, String kind) throws IOException {
		try {
			return in.readInt();
		} catch (EOFException e) {
			throw new InvalidInputException(file + ": " + (Files.size(file) == 0 ? "empty file" : "truncated") + ": not a complete IDX " + kind + " file",
					"the file is incomplete (interrupted download or copy?): fetch it again", e);
		}
	}

	private static int[] readLabels(Path file, int n, FilesAsRead read) throws IOException {
		try (DataInputStream in = open(file, read)) {
			int magic = header(in, file, "label");
			if (magic != 0x00000801) {
				throw new InvalidInputException(file + ": not an IDX label file (magic " + Integer.toHexString(magic) + ", expected 801)",
						"give e.g. t10k-labels-idx1-ubyte(.gz)");
			}
			int count = header(in, file, "label");
			if (count != n) {
				throw new InvalidInputException(file + ": " + count + " labels for " + n + " images", "give the label file of these images");
			}
			byte[] b = in.readNBytes(count);
			if (b.length != count) {
				throw new InvalidInputException(file + ": truncated: " + count + " labels announced, " + b.length + " present",
						"the file is incomplete: fetch or copy it again");
			}
			int[] labels = new int[count];
			for (int i = 0; i < count; i++) {
				labels[i] = b[i] & 0xFF;
			}
			return labels;
		} catch (NoSuchFileException e) {
			throw new InvalidInputException(file + ": label file not found", "check the labels path", e);
		}
	}

	private static DataInputStream open(Path file, FilesAsRead read) throws IOException {
		if (Files.isRegularFile(file) && Files.size(file) == 0) {
			throw new InvalidInputException(file + ": empty file, not an IDX file", "the file is incomplete (interrupted download or copy?): fetch it again");
		}
		InputStream in = read.open(file);
		return new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(in) : in);
	}

	@Override
	public String preprocessing() {
		return preprocessing.describe();
	}

	/** The label file is not the images' file the data is named by: say which entry of which file holds the sample's label. */
	@Override
	public String sampleAt(int i) {
		return labelFile == null ? Dataset.super.sampleAt(i)
				: "sample " + i + " (counted from 0; its label is entry " + i + " of " + labelFile.getFileName() + ")";
	}

	@Override
	public String name() {
		return images.toString();
	}

	@Override
	public int size() {
		return pixels.length / (rows * cols);
	}

	@Override
	public long[] sampleShape() {
		return preprocessing.sampleShape(cols, rows);
	}

	@Override
	public List<Path> files() {
		return labelFile == null ? List.of(images.getFileName()) : List.of(images.getFileName(), labelFile.getFileName());
	}

	@Override
	public Path root() {
		return images.toAbsolutePath().getParent();
	}

	@Override
	public Batch read(int from, int to) {
		return new Batch(inputs(from, to, null), labels == null ? null : Labels.singleLabel(Arrays.copyOfRange(labels, from, to)));
	}

	@Override
	public Labels labels(int from, int to) {
		return labels == null ? null : Labels.singleLabel(Arrays.copyOfRange(labels, from, to));
	}

	/** The inputs of samples {@code [from, to)}, written into {@code reuse} when the samples are float and it has their size. */
	@Override
	public NdArray readInputs(int from, int to, float[] reuse) {
		return inputs(from, to, reuse);
	}

	private NdArray inputs(int from, int to, float[] reuse) {
		int per = rows * cols;
		int n = (to - from) * per;
		float[] v = reuse != null && reuse.length == n && preprocessing.dataType() == DataType.FLOAT ? reuse : new float[n];
		double[] mean = preprocessing.mean();
		double[] std = preprocessing.std();
		for (int i = 0; i < v.length; i++) {
			double x = (pixels[from * per + i] & 0xFF) * preprocessing.scale();
			if (mean.length > 0) {
				x -= mean[0];
			}
			if (std.length > 0) {
				x /= std[0];
			}
			v[i] = (float) x; // one channel: NCHW and NHWC differ only in where the 1 goes
		}
		long[] sample = sampleShape();
		long[] shape = new long[sample.length + 1];
		shape[0] = to - from;
		System.arraycopy(sample, 0, shape, 1, sample.length);
		return Samples.convert(v, shape, preprocessing.dataType());
	}

	/** NCHW or NHWC with one channel. */
	boolean channelsFirst() {
		return preprocessing.layout() == Layout.NCHW;
	}
}
