"""The queue's search at a unit, read in the page's order (issue 5).

A search of the "all" queue looks for a term in the dossiers of the user's units, shown by due
date. Migration 0004 put the unit and the trigrams of the key in one GIN index: the matches are
found there, then all of them are fetched and sorted (2,825 dossiers for "nguyen" at a busy
commune, 30-40 ms), and a trigram index reads the long lists of trigrams every name shares (a
full name: 20-90 ms). Here:

- `dossier_unit_due` orders a unit's participants by (due_at, dossier) (the copy of 0006), with
  the search key included on PostgreSQL: a common name is read in the page's order, index
  only, until the page is full (about 1,300 index rows for 51 "nguyen");
- on PostgreSQL, `dossier_unit_terms` (GIN) indexes the words of the key and each pair of
  neighbouring words (`egov_search_terms`): a rare term (a full name, an ID number, a code) is
  found from the few rows that hold its word pairs (a full name: the 437 of the country that
  hold both of its pairs, where a word index reads every row holding "thanh" and "ha", and a
  trigram one every row holding "anh");
- the trigram index of 0004 is dropped: the search matches from the start of a word now
  (`selectors.term_q`), which it did not serve.

PostgreSQL: not atomic. The table is vacuumed first (the backfill of 0006 left a dead row per
participant, which an index built in the same transaction would carry, and index-only scans
need the visibility map it sets), and the indexes are built CONCURRENTLY, without blocking the
services' writes; each step can be run again. SQLite: the ordered index, with the key as its
last column (it covers the participants' scan). The indexes are not in the model's Meta because
they differ by database.
"""

import logging
import time

from django.db import migrations

logger = logging.getLogger(__name__)
ORDER_INDEX = "dossier_unit_due"
TERMS_INDEX = "dossier_unit_terms"
TRIGRAM_INDEX = "dossier_unit_search"  # migration 0004

# The words of a search key (folded: words of letters and digits separated by one space) and
# each pair of neighbouring words, as a tsvector whose lexemes are these strings as they are (no
# parser, no dictionary): "le van an" gives 'le' 'le van' 'van' 'van an' 'an'. A term matches a
# key when it begins one of its words (selectors.term_q); its tsquery (selectors.terms_query)
# asks for its word pairs, the last one as a prefix ('le van' & 'van a':*): a superset of the
# matches, which the queries test too. PL/pgSQL: 4.5 us a key, against 24 us as one SQL query.
# Words or pairs too long for a lexeme (2 kB; no name or number is) are left out.
SEARCH_TERMS_FUNCTION = """
CREATE OR REPLACE FUNCTION egov_search_terms(key text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
    words text[] := string_to_array(key, ' ');
    lexemes text[] := '{}';
    n int := cardinality(words);
BEGIN
    FOR i IN 1 .. n LOOP
        IF words[i] <> '' AND octet_length(words[i]) < 1000 THEN
            lexemes := lexemes || words[i];
            IF i < n AND words[i + 1] <> '' AND octet_length(words[i + 1]) < 1000 THEN
                lexemes := lexemes || (words[i] || ' ' || words[i + 1]);
            END IF;
        END IF;
    END LOOP;
    RETURN array_to_tsvector(lexemes);
END
$fn$
"""


def create_indexes(apps, schema_editor):
    table = apps.get_model("dossiers", "DossierUnit")._meta.db_table
    start = time.monotonic()
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor != "postgresql":
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {ORDER_INDEX} ON {table}"
                " (unit_id, due_at, dossier_id, search_key)"
            )
            return
        cursor.execute(f"VACUUM (ANALYZE) {table}")
        vacuumed = time.monotonic()
        # an index a failed CONCURRENTLY build left behind is invalid: built again
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {ORDER_INDEX}")
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY {ORDER_INDEX} ON {table}"
            " (unit_id, due_at, dossier_id) INCLUDE (search_key)"
        )
        cursor.execute(SEARCH_TERMS_FUNCTION)
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {TERMS_INDEX}")
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY {TERMS_INDEX} ON {table}"
            " USING gin (egov_search_terms(search_key))"
        )
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {TRIGRAM_INDEX}")
        built = time.monotonic()
        # the planner's estimates of a term's rows come from the statistics of the indexed
        # expression, which ANALYZE gathers
        cursor.execute(f"ANALYZE {table}")
    logger.info("%s vacuumed in %.1f s, %s and %s built in %.1f s, analysed in %.1f s", table,
                vacuumed - start, ORDER_INDEX, TERMS_INDEX, built - vacuumed,
                time.monotonic() - built)  # fmt: skip


def drop_indexes(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {ORDER_INDEX}")
        if schema_editor.connection.vendor != "postgresql":
            return
        cursor.execute(f"DROP INDEX IF EXISTS {TERMS_INDEX}")
        cursor.execute("DROP FUNCTION IF EXISTS egov_search_terms(text)")
    import importlib

    importlib.import_module("egov.dossiers.migrations.0004_participant_search").create_index(
        apps, schema_editor
    )


class Migration(migrations.Migration):
    # VACUUM and CREATE INDEX CONCURRENTLY cannot run in a transaction
    atomic = False

    dependencies = [("dossiers", "0006_participant_due")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
