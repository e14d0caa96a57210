package org.quantrace.measure;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Evaluation samples read straight from the files (IDX images scaled by 1/255 into [N, 1, H, W], or a
 * float32 .npy already preprocessed) with class labels (IDX or .npy [N]) or multilabel targets (.npy
 * [N, K] of 0/1). Its own readers: nothing is shared with the tool under measurement.
 *
 * @param x        inputs, flat, sample after sample
 * @param shape    the shape of one sample
 * @param classes  class index per sample (multiclass), or null
 * @param targets  0/1 per sample and label (multilabel), or null
 * @param labels   labels per sample (1 for multiclass)
 */
public record Samples(float[] x, long[] shape, int[] classes, byte[] targets, int labels) {

	public int count() {
		return classes != null ? classes.length : targets.length / labels;
	}

	public boolean multilabel() {
		return targets != null;
	}

	public int sampleSize() {
		return (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
	}

	/** The first {@code n} samples. */
	public Samples first(int n) {
		int k = Math.min(n, count());
		return new Samples(Arrays.copyOf(x, k * sampleSize()), shape, classes == null ? null : Arrays.copyOf(classes, k),
				targets == null ? null : Arrays.copyOf(targets, k * labels), labels);
	}

	/** Images (IDX, .gz or not, or float32 .npy) with labels (IDX, or .npy [N] / [N, K]). */
	public static Samples read(Path images, Path labelFile) {
		float[] x;
		long[] shape;
		if (isNpy(images)) {
			Npy a = Npy.read(images);
			x = a.floats();
			shape = Arrays.copyOfRange(a.shape(), 1, a.shape().length);
		} else {
			Idx idx = Idx.read(images);
			if (idx.shape().length != 3) {
				throw new IllegalArgumentException(images + ": IDX images must be [N, H, W], not " + Arrays.toString(idx.shape()));
			}
			x = new float[idx.data().length];
			for (int i = 0; i < x.length; i++) {
				x[i] = (idx.data()[i] & 0xFF) / 255f;
			}
			shape = new long[] { 1, idx.shape()[1], idx.shape()[2] };
		}
		int n = x.length / (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
		if (isNpy(labelFile)) {
			Npy y = Npy.read(labelFile);
			float[] v = y.floats();
			if (y.shape()[0] != n) {
				throw new IllegalArgumentException(labelFile + ": " + y.shape()[0] + " labels for " + n + " samples");
			}
			if (y.shape().length == 2) {
				byte[] t = new byte[v.length];
				for (int i = 0; i < v.length; i++) {
					t[i] = (byte) (v[i] > 0.5f ? 1 : 0);
				}
				return new Samples(x, shape, null, t, (int) y.shape()[1]);
			}
			return new Samples(x, shape, Arrays.stream(toDoubles(v)).mapToInt(d -> (int) d).toArray(), null, 1);
		}
		Idx y = Idx.read(labelFile);
		int[] c = new int[y.data().length];
		for (int i = 0; i < c.length; i++) {
			c[i] = y.data()[i] & 0xFF;
		}
		if (c.length != n) {
			throw new IllegalArgumentException(labelFile + ": " + c.length + " labels for " + n + " samples");
		}
		return new Samples(x, shape, c, null, 1);
	}

	private static double[] toDoubles(float[] v) {
		double[] d = new double[v.length];
		for (int i = 0; i < v.length; i++) {
			d[i] = v[i];
		}
		return d;
	}

	private static boolean isNpy(Path p) {
		return p.getFileName().toString().endsWith(".npy");
	}

	record Idx(byte[] data, int[] shape) {
		static Idx read(Path p) {
			try (InputStream raw = Files.newInputStream(p);
					DataInputStream in = new DataInputStream(p.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw)) {
				int magic = in.readInt();
				if ((magic >>> 8) != 0x08) {
					throw new IllegalArgumentException(p + ": not an unsigned-byte IDX file (magic " + Integer.toHexString(magic) + ")");
				}
				int[] shape = new int[magic & 0xFF];
				long total = 1;
				for (int i = 0; i < shape.length; i++) {
					shape[i] = in.readInt();
					total *= shape[i];
				}
				return new Idx(in.readNBytes((int) total), shape);
			} catch (IOException e) {
				throw new UncheckedIOException(e);
			}
		}
	}

	/** A little-endian .npy array of float32, uint8, bool, int32 or int64 values. */
	record Npy(ByteBuffer data, String type, long[] shape) {
		private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'[<|=]([a-z]\\d)'");
		private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

		static Npy read(Path p) {
			try {
				byte[] all = Files.readAllBytes(p);
				ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
				int major = all[6];
				int headerLength = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
				int offset = major == 1 ? 10 : 12;
				String header = new String(all, offset, headerLength, StandardCharsets.ISO_8859_1);
				Matcher d = DESCR.matcher(header);
				Matcher s = SHAPE.matcher(header);
				if (!d.find() || !s.find() || header.contains("'fortran_order': True")) {
					throw new IllegalArgumentException(p + ": unsupported .npy header " + header.trim());
				}
				long[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(t -> !t.isEmpty()).mapToLong(Long::parseLong).toArray();
				return new Npy(ByteBuffer.wrap(all, offset + headerLength, all.length - offset - headerLength).slice().order(ByteOrder.LITTLE_ENDIAN),
						d.group(1), shape);
			} catch (IOException e) {
				throw new UncheckedIOException(e);
			}
		}

		float[] floats() {
			int n = (int) Arrays.stream(shape).reduce(1, (a, c) -> a * c);
			float[] v = new float[n];
			for (int i = 0; i < n; i++) {
				v[i] = switch (type) {
				case "f4" -> data.getFloat(4 * i);
				case "u1", "b1" -> data.get(i) & 0xFF;
				case "i1" -> data.get(i);
				case "i4" -> data.getInt(4 * i);
				case "i8" -> data.getLong(8 * i);
				default -> throw new IllegalArgumentException("unsupported .npy element type " + type);
				};
			}
			return v;
		}
	}
}
