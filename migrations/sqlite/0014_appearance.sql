-- Time zones and colours that do something (issue 21).
--
-- time_zone: '' is "Automatic": pages show exact times in the browser's zone, emails in UTC.
-- It becomes the default, and the old default 'UTC', which nobody had reason to choose while
-- the setting did nothing, becomes automatic too. SQLite cannot change a column's default,
-- so the column is made anew under the same name.
ALTER TABLE users ADD COLUMN time_zone_new TEXT NOT NULL DEFAULT '';
UPDATE users SET time_zone_new = CASE WHEN time_zone = 'UTC' THEN '' ELSE time_zone END;
ALTER TABLE users DROP COLUMN time_zone;
ALTER TABLE users RENAME COLUMN time_zone_new TO time_zone;

-- theme: 'system' (follow the device's light or dark setting), 'light' or 'dark'.
ALTER TABLE users ADD COLUMN theme TEXT NOT NULL DEFAULT 'system';
