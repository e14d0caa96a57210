package org.quantrace.testing;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import javax.imageio.ImageIO;

/**
 * Reads the Fashion-MNIST test set (IDX files) and the example's PNG folders into the models' input
 * layout: float32 [N, 1, 28, 28], pixel / 255.
 */
public final class FashionMnist {

	/** Images as one flat NCHW array, and their labels. */
	public record Samples(float[] pixels, int[] labels) {
		public int count() {
			return labels.length;
		}
	}

	private FashionMnist() {
	}

	/** The 10,000 test images and labels from tests/data/fashion-mnist (Debian dataset-fashion-mnist). */
	public static Samples testSet() {
		return idx(TestData.data("fashion-mnist/t10k-images-idx3-ubyte.gz"), TestData.data("fashion-mnist/t10k-labels-idx1-ubyte.gz"));
	}

	public static Samples idx(Path images, Path labels) {
		try (DataInputStream im = new DataInputStream(new GZIPInputStream(Files.newInputStream(images)));
				DataInputStream lb = new DataInputStream(new GZIPInputStream(Files.newInputStream(labels)))) {
			im.readInt();
			int n = im.readInt();
			int rows = im.readInt();
			int cols = im.readInt();
			lb.readInt();
			lb.readInt();
			byte[] raw = im.readNBytes(n * rows * cols);
			float[] pixels = new float[raw.length];
			for (int i = 0; i < raw.length; i++) {
				pixels[i] = (raw[i] & 0xFF) / 255f;
			}
			byte[] l = lb.readNBytes(n);
			int[] ys = new int[n];
			for (int i = 0; i < n; i++) {
				ys[i] = l[i];
			}
			return new Samples(pixels, ys);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** An ImageNet-style folder of 28x28 grayscale PNGs ({@code <dir>/<class>/<file>}) with a label map. */
	public static Samples folder(Path dir, Map<String, Integer> labelMap) {
		List<float[]> images = new ArrayList<>();
		List<Integer> labels = new ArrayList<>();
		try (Stream<Path> classes = Files.list(dir).sorted()) {
			for (Path c : classes.toList()) {
				try (Stream<Path> files = Files.list(c).sorted()) {
					for (Path f : files.toList()) {
						images.add(read(f));
						labels.add(labelMap.get(c.getFileName().toString()));
					}
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		float[] pixels = new float[images.size() * 784];
		for (int i = 0; i < images.size(); i++) {
			System.arraycopy(images.get(i), 0, pixels, i * 784, 784);
		}
		return new Samples(pixels, labels.stream().mapToInt(Integer::intValue).toArray());
	}

	private static float[] read(Path png) throws IOException {
		BufferedImage image;
		try (InputStream in = Files.newInputStream(png)) {
			image = ImageIO.read(in);
		}
		Raster r = image.getRaster();
		float[] px = new float[784];
		for (int y = 0; y < 28; y++) {
			for (int x = 0; x < 28; x++) {
				px[y * 28 + x] = r.getSample(x, y, 0) / 255f;
			}
		}
		return px;
	}
}
