/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Replays files (or every file of directories) through a fuzz target's
 * LLVMFuzzerTestOneInput(), so the targets build with any compiler and the
 * seed corpus runs as a normal test.  The real fuzzing is run-fuzz.sh. */

#include <glib.h>

#include <stdlib.h>

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);

static guint
run_file (const gchar * path)
{
  g_autoptr (GError) error = NULL;
  gchar *contents;
  gsize length;
  guint8 *copy;

  if (!g_file_get_contents (path, &contents, &length, &error)) {
    g_printerr ("%s\n", error->message);
    exit (1);
  }
  /* An exact-size copy, so reading past the end shows under valgrind. */
  copy = g_memdup2 (contents, length);
  g_free (contents);
  LLVMFuzzerTestOneInput (copy, length);
  g_free (copy);
  return 1;
}

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  /* g_ptr_array_sort () passes pointers to the elements. */
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

static guint
run_path (const gchar * path)
{
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = NULL;
  const gchar *name;
  guint i, n = 0;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return run_file (path);

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL) {
    g_printerr ("cannot open %s\n", path);
    exit (1);
  }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  for (i = 0; i < names->len; i++)
    n += run_path (g_ptr_array_index (names, i));
  return n;
}

int
main (int argc, char **argv)
{
  guint n = 0;
  gint i;

  if (argc < 2) {
    g_printerr ("usage: %s FILE|DIR...\n", argv[0]);
    return 2;
  }
  for (i = 1; i < argc; i++)
    n += run_path (argv[i]);

  g_print ("%u inputs ran without a crash\n", n);
  return n > 0 ? 0 : 1;
}
