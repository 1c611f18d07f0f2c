-- 挂账: a suspended case's clock stands still from suspended_at; it resumes
-- by hand, or by itself on suspended_until (a date in the calendar's time
-- zone, 'YYYY-MM-DD'; NULL while suspended means until resumed by hand).
ALTER TABLE cases ADD COLUMN suspended_at TEXT;
ALTER TABLE cases ADD COLUMN suspended_until TEXT;
