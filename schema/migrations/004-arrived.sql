-- plansync replica database, schema version 4 (from 3).

-- When this replica first had each change, by its own clock (ms since
-- 1970): set when a change is stored, or when an import holds it for a
-- clock in this replica's future (held.arrived, carried into changes when
-- it applies). The province dates its receipts by it (lib/deadline.c): a
-- report is received when the province first had it, however late the
-- receipt is written and whatever clock the district stamped on it. NULL
-- for rows from before schema 4 (a receipt then takes the time it is
-- written).
ALTER TABLE changes ADD COLUMN arrived INTEGER;
ALTER TABLE held ADD COLUMN arrived INTEGER;
