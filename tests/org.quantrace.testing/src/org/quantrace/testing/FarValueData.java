package org.quantrace.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;

/**
 * Calibration data with one far value (make_unseen15's ssm in small: a few far values set a tensor's min-max range): the
 * zoo's 300 calibration images in [0, 1] with one pixel of the first set to {@link #FAR}. Min-max gives the model input
 * [0, 400] for values of RMS about 1.5, about one step of its scale.
 */
public final class FarValueData {

	public static final float FAR = 400;
	public static final int IMAGES = 300;
	private static final int PIXELS = 28 * 28;

	private FarValueData() {
	}

	/** Writes {@code calib.npy} ([300, 1, 28, 28] float32) and {@code labels.npy} ([300] int64) into {@code dir}; returns calib.npy. */
	public static Path write(Path dir) throws IOException {
		float[] x = new float[IMAGES * PIXELS];
		byte[] pixels = idx("zoo/data/calib300-images-idx3-ubyte.gz", 16, x.length);
		for (int i = 0; i < x.length; i++) {
			x[i] = (pixels[i] & 0xff) / 255f;
		}
		x[14 * 28 + 14] = FAR;
		long[] labels = new long[IMAGES];
		byte[] l = idx("zoo/data/calib300-labels-idx1-ubyte.gz", 8, IMAGES);
		for (int i = 0; i < IMAGES; i++) {
			labels[i] = l[i];
		}
		Path calib = dir.resolve("calib.npy");
		NpyArray.write(calib, NdArray.ofFloats(new long[] { IMAGES, 1, 28, 28 }, x));
		NpyArray.write(dir.resolve("labels.npy"), NdArray.ofLongs(new long[] { IMAGES }, labels));
		return calib;
	}

	/** {@code n} bytes after the {@code header} of a gzipped IDX file of tests/data. */
	private static byte[] idx(String file, int header, int n) throws IOException {
		try (InputStream in = new GZIPInputStream(Files.newInputStream(TestData.data(file)))) {
			in.readNBytes(header);
			return in.readNBytes(n);
		}
	}
}
