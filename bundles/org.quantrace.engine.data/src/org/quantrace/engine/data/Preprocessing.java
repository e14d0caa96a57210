package org.quantrace.engine.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.model.recipe.ColorMode;
import org.quantrace.model.recipe.ElementType;
import org.quantrace.model.recipe.Interpolation;
import org.quantrace.model.recipe.Layout;

/**
 * Declared image preprocessing, applied in this order: colour conversion, resize, centre crop, then per
 * value (pixel × scale - mean[c]) / std[c], laid out NCHW or NHWC as the element type. Width/height 0
 * means "no resize" / "no crop".
 */
public record Preprocessing(ColorMode color, int resizeWidth, int resizeHeight, Interpolation interpolation, int cropWidth, int cropHeight,
		double scale, double[] mean, double[] std, Layout layout, ElementType type) {

	/** Sizes are positive (0: the step is not used), scale and normalization finite, std never 0. */
	public Preprocessing {
		if (resizeWidth < 0 || resizeHeight < 0 || cropWidth < 0 || cropHeight < 0 || (resizeWidth == 0) != (resizeHeight == 0)
				|| (cropWidth == 0) != (cropHeight == 0)) {
			throw new InvalidInputException("preprocessing: resize " + resizeWidth + "x" + resizeHeight + ", crop " + cropWidth + "x" + cropHeight
					+ ": sizes must be positive widths and heights", "write e.g. resize 28x28 or crop 224x224");
		}
		if (!Double.isFinite(scale) || scale == 0) {
			throw new InvalidInputException("preprocessing: scale " + scale + " is not a finite, non-zero factor", "write e.g. scale 1/255");
		}
		for (double m : mean) {
			if (!Double.isFinite(m)) {
				throw new InvalidInputException("preprocessing: mean " + m + " is not a finite number", "write e.g. mean 0.5");
			}
		}
		for (double d : std) {
			if (!Double.isFinite(d) || d == 0) {
				throw new InvalidInputException("preprocessing: std " + d + " would divide by zero or infinity", "write e.g. std 0.5");
			}
		}
	}

	/** Grayscale, no resize, pixel / 255, NCHW float32: what the bundled example's models expect. */
	public static Preprocessing defaults() {
		return new Preprocessing(ColorMode.GRAYSCALE, 0, 0, Interpolation.BILINEAR, 0, 0, 1 / 255.0, new double[0], new double[0], Layout.NCHW,
				ElementType.FLOAT32);
	}

	/** From a recipe's preprocessing declaration (unset colour: grayscale). */
	public static Preprocessing of(org.quantrace.model.recipe.Preprocessing p) {
		return new Preprocessing(p.isSetColorMode() ? p.getColorMode() : ColorMode.GRAYSCALE, p.getResizeWidth(), p.getResizeHeight(),
				p.getInterpolation(), p.getCropWidth(), p.getCropHeight(), p.getScale(), p.getMean().stream().mapToDouble(Double::doubleValue).toArray(),
				p.getStd().stream().mapToDouble(Double::doubleValue).toArray(), p.getLayout(), p.getDataType());
	}

	/** The same steps with another scale. */
	public Preprocessing withScale(double s) {
		return new Preprocessing(color, resizeWidth, resizeHeight, interpolation, cropWidth, cropHeight, s, mean, std, layout, type);
	}

	public int channels() {
		return color == ColorMode.GRAYSCALE ? 1 : 3;
	}

	public DataType dataType() {
		return switch (type) {
		case FLOAT32 -> DataType.FLOAT;
		case UINT8 -> DataType.UINT8;
		case INT8 -> DataType.INT8;
		};
	}

	/** [C, H, W] or [H, W, C] of one sample, given the decoded image size when nothing resizes or crops. */
	public long[] sampleShape(int width, int height) {
		int w = cropWidth > 0 ? cropWidth : resizeWidth > 0 ? resizeWidth : width;
		int h = cropHeight > 0 ? cropHeight : resizeHeight > 0 ? resizeHeight : height;
		return layout == Layout.NCHW ? new long[] { channels(), h, w } : new long[] { h, w, channels() };
	}

	/** Applies the steps to one decoded image, writing its values at {@code offset} of {@code out}. */
	public void apply(BufferedImage image, float[] out, int offset, String source) {
		BufferedImage img = image;
		if (resizeWidth > 0 && resizeHeight > 0 && (img.getWidth() != resizeWidth || img.getHeight() != resizeHeight)) {
			img = resize(img, resizeWidth, resizeHeight);
		}
		int x0 = 0;
		int y0 = 0;
		int w = img.getWidth();
		int h = img.getHeight();
		if (cropWidth > 0 && cropHeight > 0) {
			if (cropWidth > w || cropHeight > h) {
				throw new InvalidInputException(source + ": a " + cropWidth + "x" + cropHeight + " crop does not fit a " + w + "x" + h + " image",
						"resize first to at least the crop size");
			}
			x0 = (w - cropWidth) / 2;
			y0 = (h - cropHeight) / 2;
			w = cropWidth;
			h = cropHeight;
		}
		int c = channels();
		Raster r = img.getRaster();
		boolean gray = r.getNumBands() < 3;
		int[] pixel = new int[Math.max(4, r.getNumBands())];
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				r.getPixel(x0 + x, y0 + y, pixel);
				for (int ch = 0; ch < c; ch++) {
					double v;
					if (color == ColorMode.GRAYSCALE) {
						v = gray ? pixel[0] : luma(pixel[0], pixel[1], pixel[2]);
					} else {
						int band = color == ColorMode.BGR ? 2 - ch : ch;
						v = gray ? pixel[0] : pixel[band];
					}
					v = v * scale;
					if (mean.length > 0) {
						v -= mean[mean.length == 1 ? 0 : ch];
					}
					if (std.length > 0) {
						v /= std[std.length == 1 ? 0 : ch];
					}
					int at = layout == Layout.NCHW ? (ch * h + y) * w + x : (y * w + x) * c + ch;
					out[offset + at] = (float) v;
				}
			}
		}
	}

	/** ITU-R BT.601 luma, as PIL's convert("L") computes it (rounded). */
	private static double luma(int r, int g, int b) {
		return Math.round((r * 299 + g * 587 + b * 114) / 1000.0);
	}

	private BufferedImage resize(BufferedImage src, int w, int h) {
		BufferedImage dst = new BufferedImage(w, h, src.getRaster().getNumBands() < 3 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
		Graphics2D g = dst.createGraphics();
		g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, switch (interpolation) {
		case NEAREST -> RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR;
		case BILINEAR -> RenderingHints.VALUE_INTERPOLATION_BILINEAR;
		case BICUBIC -> RenderingHints.VALUE_INTERPOLATION_BICUBIC;
		});
		g.drawImage(src, 0, 0, w, h, null);
		g.dispose();
		return dst;
	}

	/** "scale 1/255" or "scale 0.0625", as traces and reports write a scale. */
	public static String scaleText(double scale) {
		return String.format(Locale.ROOT, "scale %s", scale == 1 / 255.0 ? "1/255" : Double.toString(scale));
	}

	/** "grayscale, resize 28x28 bilinear, scale 0.00392, NCHW float32" for traces and reports. */
	public String describe() {
		List<String> steps = new ArrayList<>();
		steps.add(color.getLiteral());
		if (resizeWidth > 0) {
			steps.add("resize " + resizeWidth + "x" + resizeHeight + " " + interpolation.getLiteral());
		}
		if (cropWidth > 0) {
			steps.add("centre crop " + cropWidth + "x" + cropHeight);
		}
		steps.add(scaleText(scale));
		if (mean.length > 0) {
			steps.add("mean " + java.util.Arrays.toString(mean));
		}
		if (std.length > 0) {
			steps.add("std " + java.util.Arrays.toString(std));
		}
		steps.add(layout.getLiteral() + " " + type.getLiteral());
		return String.join(", ", steps);
	}
}
