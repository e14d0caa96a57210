package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.quantrace.model.recipe.ThresholdScope;
import org.quantrace.model.trace.LayerPruningRecord;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.PruningRecord;

/**
 * Channel pruning's choice against the scores the trace records for it: per channel space ("channel scores: LAYERS" = "removed C
 * ...; scores S ..."), the channels removed must be the lowest-scored, every space keeping at least its floor (global scope: at
 * most max(target, min(1.5 x target, 90)) % of its channels go, divided by the number of its layers for a space of several layers
 * joined by residual Adds, one channel kept at least), and as many gone as the target asks
 * unless every space that could give more is at its floor. A space a per-layer target names ("sparsity of PATTERN") ranks alone
 * at that share, as every space does under local scope. Written here from the README's rule, not from engine.prune's code,
 * so that a record whose scores or removals were edited, or an engine that ranked otherwise, is named. A space's removed count
 * is also held against its layers' removedChannels, which TraceStages holds against the files.
 */
public final class ChannelRanking {

	/** The key the runner's PruningRecords writes each space's scores under (its one owner). */
	static final String KEY = org.quantrace.runner.PruningRecords.CHANNEL_SCORES;
	/** The key of a per-layer target, then the recipe's layer pattern (PruningRecords.settings writes it). */
	private static final String LAYER_TARGET = org.quantrace.runner.PruningRecords.LAYER_TARGET;

	/** A channel space as the record states it: its layers (", " between them), the channels removed, each channel's score. */
	public record Space(String layers, BitSet removed, double[] scores) {
		int kept() {
			return scores.length - removed.cardinality();
		}
	}

	private ChannelRanking() {
	}

	static void check(OptimizationRecord o, List<Mismatch> found) {
		PruningRecord p = o.getPruning();
		String at = "optimization " + o.getId() + " pruning ";
		List<Space> spaces = new ArrayList<>();
		for (Parameter x : p.getAdditionalConfiguration()) {
			if (x.getKey().startsWith(KEY)) {
				Space s = parse(x.getKey().substring(KEY.length()), x.getValue());
				if (s == null) {
					found.add(new Mismatch(TraceCheck.DOCUMENT, at + x.getKey(), x.getValue(), "not 'removed C ...; scores S ...' with channels among the scores"));
					return;
				}
				spaces.add(s);
			}
		}
		if (spaces.isEmpty()) {
			return; // no scores recorded (an older trace, another pattern)
		}
		Map<String, Double> layerTargets = layerTargets(p, at, found);
		if (layerTargets == null) {
			return;
		}
		for (Space s : spaces) {
			removedCounts(o, s, at, found);
		}
		double target = p.getTargetSparsity();
		List<Space> pooled = new ArrayList<>();
		for (Space s : spaces) {
			Double own = ownTarget(s, layerTargets);
			if (own != null || p.getScope() == ThresholdScope.LOCAL) { // ranked alone at its own share, one channel kept at least
				ranking(List.of(s), own != null ? own : target, 100, false, at, found);
			} else {
				pooled.add(s);
			}
		}
		if (!pooled.isEmpty()) {
			ranking(pooled, target, Math.max(target, Math.min(1.5 * target, 90)), true, at, found);
		}
	}

	/**
	 * The per-layer targets ("sparsity of PATTERN" = "P %", in the recipe's order), by pattern; null after a mismatch when one
	 * is not a share.
	 */
	private static Map<String, Double> layerTargets(PruningRecord p, String at, List<Mismatch> found) {
		Map<String, Double> targets = new LinkedHashMap<>();
		for (Parameter x : p.getAdditionalConfiguration()) {
			if (x.getKey().startsWith(LAYER_TARGET)) {
				String v = x.getValue().trim();
				try {
					targets.put(x.getKey().substring(LAYER_TARGET.length()), Double.parseDouble(v.endsWith("%") ? v.substring(0, v.length() - 1).trim() : v));
				} catch (NumberFormatException e) {
					found.add(new Mismatch(TraceCheck.DOCUMENT, at + x.getKey(), x.getValue(), "not a share 'P %'"));
					return null;
				}
			}
		}
		return targets;
	}

	/**
	 * A space's own target: that of the first of its layers (in the key's order) a per-layer pattern names, the first such
	 * pattern in the recipe's order (* any characters, ? one); null when none names one, and the space ranks with the others.
	 */
	private static Double ownTarget(Space s, Map<String, Double> layerTargets) {
		for (String layer : s.layers().split(", ")) {
			for (Map.Entry<String, Double> t : layerTargets.entrySet()) {
				if (matches(t.getKey(), layer)) {
					return t.getValue();
				}
			}
		}
		return null;
	}

	/** Whether {@code layer} is named by the wildcard {@code pattern}: * any characters, ? one, the rest as written. */
	private static boolean matches(String pattern, String layer) {
		if (pattern.isEmpty()) {
			return layer.isEmpty();
		}
		char c = pattern.charAt(0);
		if (c == '*') {
			for (int i = 0; i <= layer.length(); i++) {
				if (matches(pattern.substring(1), layer.substring(i))) {
					return true;
				}
			}
			return false;
		}
		return !layer.isEmpty() && (c == '?' || c == layer.charAt(0)) && matches(pattern.substring(1), layer.substring(1));
	}

	/** Each layer of the space lost as many channels as the scores say were removed. */
	private static void removedCounts(OptimizationRecord o, Space s, String at, List<Mismatch> found) {
		for (String layer : s.layers().split(", ")) {
			LayerPruningRecord l = o.getPruning().getLayers().stream().filter(r -> r.getLayer().equals(layer)).findFirst().orElse(null);
			if (l != null && l.getRemovedChannels() != s.removed().cardinality()) {
				found.add(new Mismatch(TraceCheck.DOCUMENT, at + KEY + s.layers(), s.removed().cardinality() + " channels removed",
						layer + " removedChannels " + l.getRemovedChannels()));
			}
		}
	}

	/**
	 * The removals of {@code pooled} spaces ranked together, a space losing at most {@code mostPercent} of its channels, of that a
	 * share per layer when {@code perLayer} (a space of n layers, its key's names, at most mostPercent / n %).
	 */
	private static void ranking(List<Space> pooled, double percent, double mostPercent, boolean perLayer, String at, List<Mismatch> found) {
		int total = 0;
		int removed = 0;
		boolean anyAboveFloor = false;
		double lowestKept = Double.POSITIVE_INFINITY;
		String lowestKeptAt = null;
		for (Space s : pooled) {
			int layers = perLayer ? s.layers().split(", ").length : 1;
			double most = mostPercent / layers;
			int floor = Math.max(1, s.scores().length - (int) Math.floor(s.scores().length * most / 100));
			total += s.scores().length;
			removed += s.removed().cardinality();
			if (s.kept() < floor) {
				found.add(new Mismatch(TraceCheck.DOCUMENT, at + KEY + s.layers(), "kept " + s.kept() + " of " + s.scores().length + " channels",
						"at least " + floor + " kept: a layer loses at most " + brief(mostPercent) + " % of its channels"
								+ (layers > 1 ? ", a space of " + layers + " layers joined by residual Adds 1/" + layers + " of that (" + brief(most) + " %)" : "")));
			}
			if (s.kept() > floor) { // a space above its floor could have given its lowest kept channel instead
				anyAboveFloor = true;
				for (int c = s.removed().nextClearBit(0); c < s.scores().length; c = s.removed().nextClearBit(c + 1)) {
					if (s.scores()[c] < lowestKept) {
						lowestKept = s.scores()[c];
						lowestKeptAt = "channel " + c + " of " + s.layers();
					}
				}
			}
		}
		for (Space s : pooled) {
			for (int c = s.removed().nextSetBit(0); c >= 0; c = s.removed().nextSetBit(c + 1)) {
				if (s.scores()[c] > lowestKept) {
					found.add(new Mismatch(TraceCheck.DOCUMENT, at + KEY + s.layers() + " channel " + c, "removed with score " + s.scores()[c],
							lowestKeptAt + " kept with the lower score " + lowestKept + " (its layer above its floor): not the lowest-scored channels"));
				}
			}
		}
		int target = (int) Math.floor(total * percent / 100);
		if (removed != target && (removed > target || anyAboveFloor)) {
			found.add(new Mismatch(TraceCheck.DOCUMENT, at + "channels removed" + (pooled.size() == 1 ? " of " + pooled.get(0).layers() : ""),
					Integer.toString(removed), target + " (" + brief(percent) + " % of " + total + " channels" + (removed < target ? ", some layer above its floor" : "") + ")"));
		}
	}

	/** A space's record ("removed C ...; scores S ..." of LAYERS), or null when it is not one. */
	public static Space parse(String layers, String value) {
		String[] parts = value.split("; scores", 2);
		if (parts.length != 2 || !parts[0].startsWith("removed")) {
			return null;
		}
		try {
			String[] s = parts[1].trim().isEmpty() ? new String[0] : parts[1].trim().split(" ");
			double[] scores = new double[s.length];
			for (int i = 0; i < s.length; i++) {
				scores[i] = Double.parseDouble(s[i]);
			}
			BitSet removed = new BitSet();
			String r = parts[0].substring("removed".length()).trim();
			for (String c : r.isEmpty() ? new String[0] : r.split(" ")) {
				int i = Integer.parseInt(c);
				if (i < 0 || i >= scores.length || removed.get(i)) {
					return null;
				}
				removed.set(i);
			}
			return new Space(layers, removed, scores);
		} catch (NumberFormatException e) {
			return null;
		}
	}

	private static String brief(double v) {
		return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
	}
}
