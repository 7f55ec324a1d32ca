/**
 * The demo database: `users` holds the two columns the default policy masks for people outside
 * pii-readers (email redacted, ssn with only its last four shown), `orders` is ordinary data.
 * Idempotent, so a PostgreSQL the user names can be seeded again.
 */
export const DEMO_SEED_SQL = `
  CREATE TABLE IF NOT EXISTS users (id int PRIMARY KEY, name text NOT NULL, email text, ssn text, age int);
  INSERT INTO users VALUES
    (1, 'Ada Lovelace', 'ada@example.com', '123-45-6789', 36),
    (2, 'Grace Hopper', 'grace@example.com', '987-65-4321', 45),
    (3, 'Linus Torvalds', 'linus@example.com', '555-12-3456', 28)
  ON CONFLICT (id) DO NOTHING;
  CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY, user_id int REFERENCES users(id), amount numeric(10,2), placed_at timestamptz DEFAULT now());
  INSERT INTO orders (id, user_id, amount) SELECT g, 1 + g % 3, round((g * 7.25)::numeric, 2) FROM generate_series(1, 25) g
  ON CONFLICT (id) DO NOTHING;
`;
