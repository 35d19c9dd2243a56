-- Time zones and colours that do something (issue 21).
--
-- time_zone: '' is "Automatic": pages show exact times in the browser's zone, emails in UTC.
-- It becomes the default, and the old default 'UTC', which nobody had reason to choose while
-- the setting did nothing, becomes automatic too.
ALTER TABLE users ALTER COLUMN time_zone SET DEFAULT '';
UPDATE users SET time_zone = '' WHERE time_zone = 'UTC';

-- theme: 'system' (follow the device's light or dark setting), 'light' or 'dark'.
ALTER TABLE users ADD COLUMN theme TEXT NOT NULL DEFAULT 'system';
