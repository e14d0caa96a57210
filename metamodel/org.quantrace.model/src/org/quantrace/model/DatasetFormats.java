package org.quantrace.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.DatasetFormat;
import org.quantrace.model.recipe.RecipePackage;

/**
 * The format of a dataset when the recipe does not declare it, told from its path. The engine opens data
 * by it and the recipe validator checks by it, so both read a path the same way.
 */
public final class DatasetFormats {

	private DatasetFormats() {
	}

	/** The format a path holds: a folder of class folders, .npy, .npz, .csv(.gz), IDX; null when the name does not say. */
	public static DatasetFormat of(Path path) {
		if (Files.isDirectory(path)) {
			return DatasetFormat.FOLDER;
		}
		String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
		if (n.endsWith(".npy")) {
			return DatasetFormat.NPY;
		}
		if (n.endsWith(".npz")) {
			return DatasetFormat.NPZ;
		}
		if (n.endsWith(".csv") || n.endsWith(".csv.gz")) {
			return DatasetFormat.CSV;
		}
		if (n.contains("idx") || n.contains("ubyte")) {
			return DatasetFormat.IDX;
		}
		return null;
	}

	/** The declared format, else the one {@code resolvedPath} holds (null when neither says). */
	public static DatasetFormat of(DatasetDeclaration d, Path resolvedPath) {
		if (d.eIsSet(RecipePackage.Literals.DATASET_DECLARATION__FORMAT)) {
			return d.getFormat();
		}
		return resolvedPath == null ? null : of(resolvedPath);
	}

	/**
	 * Whether the reader of this format applies a preprocess block's {@code step} (a feature of the recipe's Preprocessing):
	 * image folders and IDX files every step; a CSV table only the scale (its features used as read otherwise); .npy and .npz
	 * none (arrays fed as stored). What a dataset records as its applied preprocessing (the readers' {@code preprocessing()})
	 * says the same; the recipe validator warns of the steps a dataset's reader does not take. {@code format} null: not known.
	 */
	public static boolean takes(DatasetFormat format, org.eclipse.emf.ecore.EStructuralFeature step) {
		if (format == null) {
			return true;
		}
		return switch (format) {
		case FOLDER, IDX -> true;
		case CSV -> step == RecipePackage.Literals.PREPROCESSING__SCALE;
		case NPY, NPZ -> false;
		};
	}

	/** Whether samples of this format need a separate label file (npz and csv carry their labels). */
	public static boolean needsLabelFile(DatasetFormat f) {
		return f == DatasetFormat.FOLDER || f == DatasetFormat.IDX || f == DatasetFormat.NPY;
	}
}
