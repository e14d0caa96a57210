package org.quantrace.engine.data;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.runtime.NdArray;

/**
 * An ImageNet-style folder, {@code <dir>/<class name>/<image>}, with a label file mapping class names to
 * indices (without one, folders named 0, 1, 2... are those classes; other names are numbered in sorted order, a
 * guess that {@link #labelsGuessed()} admits). Images (PNG, JPEG by default) are decoded and preprocessed a
 * batch at a time. As the quantization spec requires, symbolic links are refused; so are class folders the
 * label file does not name, and a folder without images.
 */
public final class ImageFolderDataset implements Dataset {

	public static final Set<String> DEFAULT_EXTENSIONS = Set.of("png", "jpg", "jpeg");

	private final Path dir;
	private final String name;
	private final List<Path> files;
	private final int[] labels;
	private final List<String> names;
	private final Preprocessing preprocessing;
	private final long[] sampleShape;
	private final boolean labelsGuessed;
	private final List<Path> unread;
	private final List<Path> emptyClasses;
	private final Set<String> extensions;
	/** The first image's width x height, which every image has unless the preprocessing resizes them. */
	private final String imageSize;
	/** Each image as decoded, its hash of the bytes decoded: an image read again must be the same bytes. */
	private final FilesAsRead read;

	private ImageFolderDataset(Path dir, String name, List<Path> files, int[] labels, List<String> names, Preprocessing preprocessing, long[] sampleShape,
			boolean labelsGuessed, List<Path> unread, List<Path> emptyClasses, Set<String> extensions, String imageSize, FilesAsRead read) {
		this.read = read;
		this.dir = dir;
		this.name = name;
		this.files = files;
		this.labels = labels;
		this.names = names;
		this.preprocessing = preprocessing;
		this.sampleShape = sampleShape;
		this.labelsGuessed = labelsGuessed;
		this.unread = unread;
		this.emptyClasses = emptyClasses;
		this.extensions = extensions;
		this.imageSize = imageSize;
	}

	public static ImageFolderDataset open(Path dir, Path labelFile, Set<String> extensions, Preprocessing preprocessing) {
		return open(dir, labelFile, extensions, preprocessing, new FilesAsRead());
	}

	/** The folder, its label file and each image it decodes recorded in {@code read} as read. */
	static ImageFolderDataset open(Path dir, Path labelFile, Set<String> extensions, Preprocessing preprocessing, FilesAsRead read) {
		if (!Files.exists(dir)) {
			throw new InvalidInputException(dir + ": folder not found", "check the data path");
		}
		refuseLink(dir);
		if (!Files.isDirectory(dir)) {
			throw new InvalidInputException(dir + ": is not a folder", "give a folder of class folders (<dir>/<class>/<image>)");
		}
		Set<String> exts = extensions == null || extensions.isEmpty() ? DEFAULT_EXTENSIONS
				: extensions.stream().map(e -> e.toLowerCase(Locale.ROOT).replaceFirst("^\\.", "")).collect(java.util.stream.Collectors.toSet());
		List<Path> classDirs = new ArrayList<>();
		List<Path> unread = new ArrayList<>(); // neither class folders nor images of the extensions: said, not read
		boolean declared = extensions != null && !extensions.isEmpty();
		try (Stream<Path> entries = Files.list(dir)) {
			for (Path p : entries.sorted().toList()) {
				refuseLink(p);
				if (Files.isDirectory(p)) {
					classDirs.add(p);
				} else if (exts.contains(extension(p))) {
					throw new InvalidInputException(p + ": image outside a class folder", "put each image in <dir>/<class name>/");
				} else if (labelFile == null || !sameFile(p, labelFile)) {
					unread.add(p);
				}
			}
		} catch (IOException e) {
			throw new InvalidInputException(dir + ": cannot be listed (" + IoErrors.describe(e) + ")", null, e);
		}
		List<String> folders = classDirs.stream().map(p -> p.getFileName().toString()).toList();
		// without a label file: folders named 0, 1, 2... say their index; other names are numbered in sorted order, a guess
		boolean numbered = labelFile == null && !folders.isEmpty() && folders.stream().allMatch(f -> f.matches("\\d{1,9}"));
		LabelMap map = labelFile != null ? LabelMap.read(labelFile, read) : numbered ? numberedFolders(folders) : null;
		List<String> names = map != null ? map.names() : folders;
		List<Path> files = new ArrayList<>();
		List<Integer> labels = new ArrayList<>();
		List<Path> emptyClasses = new ArrayList<>(); // a class folder without images: evaluated "without a word" before
		for (Path c : classDirs) {
			int before = files.size();
			String name = c.getFileName().toString();
			// boxed on both branches: a mixed Integer/int conditional would unbox the map's null into an NPE
			Integer index = map != null ? map.indices().get(name) : Integer.valueOf(names.indexOf(name));
			if (index == null) {
				index = sameLetters(map.indices(), name);
			}
			if (index == null) {
				throw new InvalidInputException(c + ": class folder '" + name + "' is not in the label file " + labelFile + " (it names "
						+ map.indices().keySet() + ")", "add the class to the label file, or remove the folder");
			}
			try (Stream<Path> images = Files.list(c)) {
				for (Path f : images.sorted().toList()) {
					refuseLink(f);
					if (Files.isRegularFile(f) && exts.contains(extension(f))) {
						files.add(f);
						labels.add(index);
					} else if (Files.isRegularFile(f) && !declared && SAMPLE_LIKE.contains(extension(f))) {
						throw new InvalidInputException(f + ": looks like a sample (." + extension(f) + ") but the dataset reads only "
								+ String.join(", ", exts.stream().sorted().toList()) + " files, so it would be left out without a word",
								"declare the extensions of the dataset's samples (in the recipe's dataset: extensions "
										+ String.join(", ", java.util.stream.Stream.concat(exts.stream().sorted(), Stream.of(extension(f))).map(e -> "\"" + e + "\"").toList())
										+ "; on the command line: --extensions), or move the file out of the dataset folder");
					} else {
						unread.add(f);
					}
				}
			} catch (IOException e) {
				throw new InvalidInputException(c + ": cannot be listed (" + IoErrors.describe(e) + ")", null, e);
			}
			if (files.size() == before) {
				emptyClasses.add(c);
			}
		}
		if (files.isEmpty()) {
			throw new InvalidInputException(dir + ": no images (" + String.join(", ", exts.stream().sorted().toList()) + ") in class folders",
					"put images in <dir>/<class name>/, or set the file extensions");
		}
		BufferedImage first = decode(files.get(0), read);
		long[] sampleShape = preprocessing.sampleShape(first.getWidth(), first.getHeight());
		String imageSize = first.getWidth() + "x" + first.getHeight();
		checkHeaders(files, preprocessing, sampleShape, imageSize);
		return new ImageFolderDataset(dir, dir.toString(), files, labels.stream().mapToInt(Integer::intValue).toArray(), names, preprocessing,
				sampleShape, map == null, List.copyOf(unread), List.copyOf(emptyClasses), exts, imageSize, read);
	}

	/**
	 * Every image's header, not its pixels (about 0.1 ms an image: the example's 1,000 evaluation images opened in 0.08-0.15 s
	 * against 0.02 s without, at load 7 on 2 cores; the reader its extension names, one per format): a file that is no
	 * image, or one of another size while nothing resizes, is refused when the dataset is opened, before any work, rather than
	 * when a batch reaches it, which may be minutes into a calibration after a conversion ran. Damage past the header (a
	 * truncated file) is still found when the image is decoded, with the same words.
	 */
	private static void checkHeaders(List<Path> files, Preprocessing preprocessing, long[] sampleShape, String imageSize) {
		java.util.Map<javax.imageio.spi.ImageReaderSpi, javax.imageio.ImageReader> readers = new java.util.HashMap<>(); // one per format, reused
		try {
			for (Path f : files.subList(1, files.size())) {
				int[] size = headerSize(f, readers);
				if (!Arrays.equals(preprocessing.sampleShape(size[0], size[1]), sampleShape)) {
					throw otherSize(f, size[0], size[1], imageSize);
				}
			}
		} finally {
			readers.values().forEach(javax.imageio.ImageReader::dispose);
		}
	}

	/** Width and height as the image's header states them, read by the reader its name suggests when its content agrees, else any. */
	private static int[] headerSize(Path file, java.util.Map<javax.imageio.spi.ImageReaderSpi, javax.imageio.ImageReader> readers) {
		try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
			if (in == null) {
				throw notAnImage(file);
			}
			javax.imageio.spi.ImageReaderSpi spi = null;
			for (java.util.Iterator<javax.imageio.ImageReader> byName = ImageIO.getImageReadersBySuffix(extension(file)); spi == null && byName.hasNext();) {
				javax.imageio.spi.ImageReaderSpi candidate = byName.next().getOriginatingProvider();
				if (candidate != null && candidate.canDecodeInput(in)) {
					spi = candidate;
				}
			}
			if (spi == null) {
				java.util.Iterator<javax.imageio.ImageReader> any = ImageIO.getImageReaders(in);
				if (!any.hasNext()) {
					throw notAnImage(file);
				}
				spi = any.next().getOriginatingProvider();
			}
			javax.imageio.ImageReader reader = readers.computeIfAbsent(spi, x -> {
				try {
					return x.createReaderInstance();
				} catch (IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			});
			reader.setInput(in, true, true);
			try {
				return new int[] { reader.getWidth(0), reader.getHeight(0) };
			} finally {
				reader.reset();
			}
		} catch (IOException | RuntimeException e) {
			if (e instanceof InvalidInputException x) {
				throw x;
			}
			throw damaged(file, e);
		}
	}

	private static InvalidInputException notAnImage(Path file) {
		return new InvalidInputException(file + ": does not decode as an image (no image format Java reads starts this file)",
				"replace it with the image it should be, or remove it from the dataset folder");
	}

	private static InvalidInputException damaged(Path file, Exception e) {
		Throwable root = e;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		// "Error reading PNG image data" says less than its cause: the file ends early
		String why = root instanceof java.io.EOFException ? IoErrors.describe(root) : e instanceof IOException io ? IoErrors.describe(io)
				: String.valueOf(e.getMessage());
		return new InvalidInputException(file + ": a damaged image (" + why + ")", "replace it with the image it should be, or remove it from the"
				+ " dataset folder", e);
	}

	/** In pixels, width x height, as a resize is written (the sample shape [1, 28, 28] beside "29x30" read as two notations). */
	private static InvalidInputException otherSize(Path file, int width, int height, String imageSize) {
		return new InvalidInputException(file + ": is " + width + "x" + height + " pixels, unlike the other images (" + imageSize + ")",
				"declare a resize in the preprocessing (a recipe's preprocess block: resize W x H; --preprocess resize=WxH), or remove the image");
	}

	/**
	 * Image and array files that are samples in other datasets: one of them in a class folder whose extensions were not
	 * declared is more likely a sample the defaults miss (a .bmp among .png) than a stray file, so it is an error.
	 */
	private static final Set<String> SAMPLE_LIKE = Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp", "pgm", "ppm", "pnm", "npy", "npz");

	/** Names listed in a warning before "and N more". */
	private static final int LISTED = 5;

	private static boolean sameFile(Path a, Path b) {
		return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
	}

	/**
	 * Files of the folder that are not read, named relative to it (a README.txt, a .DS_Store, a sub-folder of a class
	 * folder): the dataset is its images of the extensions in class folders, and a file left out is said, not skipped in silence.
	 * And class folders without an image: a folder made for a class whose images were not copied in was read as a dataset
	 * without that class, its evaluation silent about it (found by the hostile pass). A warning, not an error: a class missing
	 * from a calibration set, or from a test set on purpose, is the user's choice, which the folder's name makes visible.
	 */
	@Override
	public List<DataWarning> warnings() {
		List<DataWarning> warnings = new ArrayList<>();
		String images = String.join(", ", extensions.stream().sorted().toList());
		if (!unread.isEmpty()) {
			List<String> names = unread.stream().limit(LISTED).map(p -> dir.relativize(p).toString().replace('\\', '/') + (Files.isDirectory(p) ? "/" : ""))
					.toList();
			boolean one = unread.size() == 1;
			warnings.add(new DataWarning(DataWarning.Kind.UNREAD_FILES, (one ? "1 file is" : unread.size() + " files are") + " not read: "
					+ String.join(", ", names) + (unread.size() > LISTED ? " and " + (unread.size() - LISTED) + " more" : "") + " (the dataset is the "
					+ images + " images in its class folders); remove " + (one ? "it" : "them") + " from the dataset folder, or declare "
					+ (one ? "its extension if it is a sample" : "their extensions if they are samples")));
		}
		if (!emptyClasses.isEmpty()) {
			List<String> names = emptyClasses.stream().limit(LISTED).map(p -> p.getFileName() + "/").toList();
			boolean one = emptyClasses.size() == 1;
			warnings.add(new DataWarning(DataWarning.Kind.EMPTY_CLASS, (one ? "class folder " : emptyClasses.size() + " class folders ") + String.join(", ", names)
					+ (emptyClasses.size() > LISTED ? " and " + (emptyClasses.size() - LISTED) + " more" : "") + (one ? " holds" : " hold") + " no image ("
					+ images + "): " + (one ? "its class has" : "their classes have") + " no sample, so an evaluation on this data measures nothing of "
					+ (one ? "it" : "them") + " and a calibration sees none; put the images in, or remove the " + (one ? "folder" : "folders")));
		}
		return warnings;
	}

	private static LabelMap numberedFolders(List<String> folders) {
		java.util.Map<String, Integer> indices = new java.util.LinkedHashMap<>();
		for (String f : folders) {
			if (indices.containsValue(Integer.parseInt(f))) {
				throw new InvalidInputException("class folders " + f + " and " + indices.entrySet().stream().filter(e -> e.getValue() == Integer.parseInt(f))
						.findFirst().orElseThrow().getKey() + " name the same class", "keep one folder per class index");
			}
			indices.put(f, Integer.parseInt(f));
		}
		return new LabelMap(indices);
	}

	private static void refuseLink(Path p) {
		if (Files.isSymbolicLink(p)) {
			throw new InvalidInputException(p + ": is a symbolic link", "the specification forbids symbolic links in datasets: copy the data instead");
		}
		String name = p.getFileName().toString();
		if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
			// the run's manifest lists one "sha256  bytes  path" per line: a name with a line break broke its line in two, and the
			// untouched run failed its own verify ("the dataset would read it now, the run did not")
			throw new InvalidInputException(p.resolveSibling(name.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t").replaceAll("\\p{Cntrl}", "?"))
					+ ": its name holds a line break, tab or other control character, which the run's dataset manifest (one file per line) cannot list",
					"rename it without control characters, or move it out of the dataset folder");
		}
	}

	/**
	 * The index of the label map's class whose name is {@code folder}'s letters stored in another Unicode form: macOS (and a copy
	 * from it) stores file names decomposed (NFD: e and a combining accent), a typed label map holds them composed (NFC). Refused
	 * before with both names printed alike: "class folder 'manteau_é' is not in the label file (it names [..., manteau_é])" (hostile15).
	 */
	private static Integer sameLetters(java.util.Map<String, Integer> indices, String folder) {
		String composed = java.text.Normalizer.normalize(folder, java.text.Normalizer.Form.NFC);
		for (java.util.Map.Entry<String, Integer> e : indices.entrySet()) {
			if (java.text.Normalizer.normalize(e.getKey(), java.text.Normalizer.Form.NFC).equals(composed)) {
				return e.getValue();
			}
		}
		return null;
	}

	private static String extension(Path p) {
		String n = p.getFileName().toString();
		int dot = n.lastIndexOf('.');
		return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
	}

	/**
	 * The image's pixels, or an error naming the file. A JPEG cut mid-scan decodes without an exception, its missing rows grey:
	 * ImageIO.read says nothing, its reader only warns ("Truncated File - Missing EOI marker", "premature end of data segment"),
	 * so the reader is asked directly and a warning that data is missing refuses the file as a truncated PNG is refused. Other
	 * warnings (an invalid ICC profile ignored, extraneous bytes) leave the pixels whole and are not refused.
	 */
	static BufferedImage decode(Path file) {
		return decode(file, new FilesAsRead());
	}

	/**
	 * {@link #decode(Path)} from one reading of the file, recorded in {@code read}: the pixels are of the bytes hashed (hostile19: an
	 * image replaced and put back during an evaluation was hashed for the manifest only when the trace was written, as put back).
	 */
	static BufferedImage decode(Path file, FilesAsRead read) {
		BufferedImage image;
		// cached in memory: ImageIO.createImageInputStream copies every image into a temporary file while ImageIO's cache is on (its default)
		try (InputStream in = new java.io.ByteArrayInputStream(read.readAll(file));
				javax.imageio.stream.ImageInputStream stream = new javax.imageio.stream.MemoryCacheImageInputStream(in)) {
			java.util.Iterator<javax.imageio.ImageReader> readers = ImageIO.getImageReaders(stream);
			if (!readers.hasNext()) {
				throw notAnImage(file);
			}
			javax.imageio.ImageReader reader = readers.next();
			List<String> missing = new ArrayList<>();
			reader.addIIOReadWarningListener((source, warning) -> {
				String w = warning.toLowerCase(Locale.ROOT);
				if (w.contains("truncated") || w.contains("premature end")) {
					missing.add(warning);
				}
			});
			reader.setInput(stream, true, true);
			try {
				image = reader.read(0);
			} finally {
				reader.dispose();
			}
			if (!missing.isEmpty()) {
				throw new javax.imageio.IIOException("the file ends before its last pixels: " + String.join("; ", missing));
			}
		} catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) { // the file, not its content
			throw new InvalidInputException(file + ": cannot be read (" + IoErrors.describe(e) + ")", "check the dataset folder: a file listed"
					+ " when the dataset was opened is gone or unreadable", e);
		} catch (InvalidInputException e) {
			throw e;
		} catch (IOException | RuntimeException e) { // a truncated PNG ("Error reading PNG image data"), a corrupt JPEG
			throw damaged(file, e);
		}
		if (image == null) {
			throw notAnImage(file);
		}
		return eightBit(image);
	}

	/**
	 * The image with 8-bit grey or RGB samples, as preprocessing reads them: a palette image becomes its colours (grey when
	 * every palette entry is), a 16-bit (or 1-, 2-, 4-bit) image has each sample scaled to 0..255 (v * 255 / (2^bits - 1),
	 * rounded). Before, the raw samples were read: palette indices as grey levels, 16-bit values divided by 255.
	 */
	static BufferedImage eightBit(BufferedImage image) {
		ColorModel cm = image.getColorModel();
		Raster r = image.getRaster();
		int w = image.getWidth();
		int h = image.getHeight();
		if (cm instanceof IndexColorModel icm) {
			boolean gray = true;
			for (int i = 0; i < icm.getMapSize(); i++) {
				gray &= icm.getRed(i) == icm.getGreen(i) && icm.getGreen(i) == icm.getBlue(i);
			}
			BufferedImage out = new BufferedImage(w, h, gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
			WritableRaster o = out.getRaster();
			for (int y = 0; y < h; y++) {
				for (int x = 0; x < w; x++) {
					int index = r.getSample(x, y, 0);
					if (gray) {
						o.setSample(x, y, 0, icm.getRed(index));
					} else {
						o.setSample(x, y, 0, icm.getRed(index));
						o.setSample(x, y, 1, icm.getGreen(index));
						o.setSample(x, y, 2, icm.getBlue(index));
					}
				}
			}
			return out;
		}
		if (cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_CMYK && r.getNumBands() >= 4) {
			return cmykToRgb(r, w, h);
		}
		int colours = Math.min(3, cm.getNumColorComponents());
		boolean eight = true;
		for (int b = 0; b < r.getNumBands(); b++) {
			eight &= r.getSampleModel().getSampleSize(b) == 8;
		}
		if (eight || (colours != 1 && colours != 3)) {
			return image;
		}
		BufferedImage out = new BufferedImage(w, h, colours == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
		WritableRaster o = out.getRaster();
		for (int b = 0; b < colours; b++) {
			double max = (1L << r.getSampleModel().getSampleSize(b)) - 1;
			for (int y = 0; y < h; y++) {
				for (int x = 0; x < w; x++) {
					o.setSample(x, y, b, (int) Math.round(r.getSample(x, y, b) * 255 / max));
				}
			}
		}
		return out;
	}

	/**
	 * A CMYK image (a JPEG from a print workflow or a scanner) as RGB, by PIL's Image.convert("RGB") formula, what a torchvision
	 * ImageFolder loader feeds a model: R = (255 - K) - C (255 - K) / 255, rounded as PIL does, G and B from M and Y alike. Its
	 * C, M and Y bands were read as R, G and B: the example CNN scored 0.10 on such images, 0.895 on the same as grey JPEGs, and
	 * nothing was said (hostile15).
	 */
	private static BufferedImage cmykToRgb(Raster r, int w, int h) {
		BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
		WritableRaster o = out.getRaster();
		int[] ink = new int[r.getNumBands()];
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				r.getPixel(x, y, ink);
				int paper = 255 - ink[3];
				for (int b = 0; b < 3; b++) {
					int t = ink[b] * paper + 128; // PIL's MULDIV255: ink * paper / 255, rounded
					o.setSample(x, y, b, paper - (((t >> 8) + t) >> 8));
				}
			}
		}
		return out;
	}

	/**
	 * {@code n} of the images, taken from every class folder in turn (the first image of each class, then the second...) and
	 * read in the folder's order: the first n of the sorted files would be n images of the first class, a calibration or an
	 * evaluation on one class without a word. The dataset manifest then names exactly these files.
	 */
	@Override
	public Dataset limit(int n) {
		if (n <= 0 || n >= files.size()) {
			return this;
		}
		java.util.Map<Integer, java.util.ArrayDeque<Integer>> byClass = new java.util.LinkedHashMap<>();
		for (int i = 0; i < files.size(); i++) {
			byClass.computeIfAbsent(labels[i], k -> new java.util.ArrayDeque<>()).add(i);
		}
		java.util.TreeSet<Integer> chosen = new java.util.TreeSet<>();
		while (chosen.size() < n) {
			for (java.util.ArrayDeque<Integer> q : byClass.values()) {
				if (!q.isEmpty() && chosen.size() < n) {
					chosen.add(q.poll());
				}
			}
		}
		List<Path> subset = chosen.stream().map(files::get).toList();
		int[] subsetLabels = chosen.stream().mapToInt(i -> labels[i]).toArray();
		return new ImageFolderDataset(dir, name + " (" + n + " of " + files.size() + ", each class in turn)", subset, subsetLabels, names, preprocessing,
				sampleShape, labelsGuessed, unread, emptyClasses, extensions, imageSize, read);
	}

	@Override
	public String preprocessing() {
		return preprocessing.describe();
	}

	@Override
	public String name() {
		return name;
	}

	@Override
	public int size() {
		return files.size();
	}

	@Override
	public long[] sampleShape() {
		return sampleShape.clone();
	}

	@Override
	public List<String> labelNames() {
		return names;
	}

	@Override
	public boolean labelsGuessed() {
		return labelsGuessed;
	}

	@Override
	public List<Path> files() {
		return files.stream().map(dir::relativize).toList();
	}

	@Override
	public Path root() {
		return dir;
	}

	@Override
	public Batch read(int from, int to) {
		return new Batch(inputs(from, to, null), Labels.singleLabel(Arrays.copyOfRange(labels, from, to)));
	}

	/** The class of each sample, from its folder or the label map: no image decoded. */
	@Override
	public Labels labels(int from, int to) {
		return Labels.singleLabel(Arrays.copyOfRange(labels, from, to));
	}

	/** The inputs of samples {@code [from, to)}, decoded into {@code reuse} when the samples are float and it has their size. */
	@Override
	public NdArray readInputs(int from, int to, float[] reuse) {
		return inputs(from, to, reuse);
	}

	private NdArray inputs(int from, int to, float[] reuse) {
		int per = (int) Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b);
		int n = (to - from) * per;
		float[] values = reuse != null && reuse.length == n && preprocessing.dataType() == DataType.FLOAT ? reuse : new float[n];
		for (int i = from; i < to; i++) {
			BufferedImage image = decode(files.get(i), read);
			long[] shape = preprocessing.sampleShape(image.getWidth(), image.getHeight());
			if (!Arrays.equals(shape, sampleShape)) {
				throw otherSize(files.get(i), image.getWidth(), image.getHeight(), imageSize);
			}
			preprocessing.apply(image, values, (i - from) * per, files.get(i).toString());
		}
		long[] shape = new long[sampleShape.length + 1];
		shape[0] = to - from;
		System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
		return Samples.convert(values, shape, preprocessing.dataType());
	}
}
