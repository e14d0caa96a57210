package org.quantrace.runner;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Swaps two folders in one atomic step where the system can: Linux's {@code renameat2(RENAME_EXCHANGE)},
 * called through the Java 22+ foreign function API (looked up by reflection, as the bundles are compiled for
 * Java 21). With it, a folder's name holds the old or the new content at every instant; without it (another
 * OS, Java 21, a file system that refuses) callers fall back to two renames and recover from a kill between them.
 */
final class DirectoryExchange {

	private static final int AT_FDCWD = -100;
	private static final int RENAME_EXCHANGE = 2;

	/** renameat2, or null where it is not available. */
	private static final MethodHandle RENAMEAT2 = lookup();

	private DirectoryExchange() {
	}

	/** Whether {@link #exchange} can work here (it may still fail on a given file system). */
	static boolean available() {
		return RENAMEAT2 != null && !Boolean.getBoolean("quantrace.test.noExchange");
	}

	/** Exchanges {@code a} and {@code b} (both must exist) atomically; false when the system did not (nothing changed then). */
	static boolean exchange(Path a, Path b) {
		if (!available()) {
			return false;
		}
		try {
			Class<?> arenaClass = Class.forName("java.lang.foreign.Arena");
			Class<?> allocator = Class.forName("java.lang.foreign.SegmentAllocator");
			try (AutoCloseable arena = (AutoCloseable) arenaClass.getMethod("ofConfined").invoke(null)) {
				var allocate = allocator.getMethod("allocateFrom", String.class);
				Object pa = allocate.invoke(arena, a.toAbsolutePath().toString());
				Object pb = allocate.invoke(arena, b.toAbsolutePath().toString());
				return (int) RENAMEAT2.invokeWithArguments(AT_FDCWD, pa, AT_FDCWD, pb, RENAME_EXCHANGE) == 0;
			}
		} catch (VirtualMachineError e) {
			throw e;
		} catch (Throwable e) { // any other failure of the foreign call means: not done, use the fallback
			return false;
		}
	}

	private static MethodHandle lookup() {
		if (Runtime.version().feature() < 22 || !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
			return null;
		}
		try {
			Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
			Class<?> symbolLookup = Class.forName("java.lang.foreign.SymbolLookup");
			Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
			Class<?> layout = Class.forName("java.lang.foreign.MemoryLayout");
			Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
			Class<?> descriptor = Class.forName("java.lang.foreign.FunctionDescriptor");
			Class<?> option = Class.forName("java.lang.foreign.Linker$Option");
			Object linker = linkerClass.getMethod("nativeLinker").invoke(null);
			Object libc = linkerClass.getMethod("defaultLookup").invoke(linker);
			Optional<?> symbol = (Optional<?>) symbolLookup.getMethod("find", String.class).invoke(libc, "renameat2");
			if (symbol.isEmpty()) {
				return null;
			}
			Object integer = valueLayout.getField("JAVA_INT").get(null);
			Object address = valueLayout.getField("ADDRESS").get(null);
			Object arguments = Array.newInstance(layout, 5);
			Object[] kinds = { integer, address, integer, address, integer };
			for (int i = 0; i < kinds.length; i++) {
				Array.set(arguments, i, kinds[i]);
			}
			Object signature = descriptor.getMethod("of", layout, arguments.getClass()).invoke(null, integer, arguments);
			return (MethodHandle) linkerClass.getMethod("downcallHandle", segment, descriptor, Array.newInstance(option, 0).getClass())
					.invoke(linker, symbol.get(), signature, Array.newInstance(option, 0));
		} catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
			return null;
		}
	}
}
