#!/usr/bin/env bash
# Set up a centre's database on PostgreSQL for `tutor serve`: the README's "Running a centre", as a script.
#
#   scripts/centre-setup.sh [--install] [--role NAME] [--database NAME] [--db-host HOST] [--db-port PORT]
#                           [--env-file PATH] [--admin NAME] [--max-connections N]
#                           [--psql "COMMAND"] [--tutor "COMMAND"]
#
# 1. --install: install PostgreSQL from Debian's or Ubuntu's packages (as root).
# 2. Create a login role with a generated password and a database it owns (psql as a superuser:
#    --psql, default `sudo -u postgres psql`, or `runuser -u postgres -- psql` as root).
# 3. Raise max_connections to --max-connections (default 250: a hundred candidates' sessions hold a
#    connection each, with room for busy moments and staff) if it is lower; PostgreSQL needs a restart then.
# 4. Write TUTOR_DATABASE_URL (with the password) to --env-file, readable by its owner only.
# 5. First run: the schema, the catalogue and the question bank (`tutor serve --prepare-only`).
# 6. Create the first admin account (--admin, default "admin") with a generated password, shown once.
#
# The database URL goes to tutor in the environment only, never on a command line (where `ps` shows it).
# Run it again and it creates nothing twice (the role's password is kept; a second admin is not added).
set -euo pipefail

install=0
role=tutor
database=tutor
db_host=127.0.0.1
db_port=5432
env_file=""
admin=admin
max_connections=250
if [ "$(id -u)" = 0 ]; then psql_command="runuser -u postgres -- psql"; else psql_command="sudo -u postgres psql"; fi
tutor_command=tutor

die() { echo "centre-setup: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case "$1" in
        --install) install=1; shift ;;
        --role) role="${2:?--role needs a name}"; shift 2 ;;
        --database) database="${2:?--database needs a name}"; shift 2 ;;
        --db-host) db_host="${2:?--db-host needs a host}"; shift 2 ;;
        --db-port) db_port="${2:?--db-port needs a port}"; shift 2 ;;
        --env-file) env_file="${2:?--env-file needs a path}"; shift 2 ;;
        --admin) admin="${2:?--admin needs a user name}"; shift 2 ;;
        --max-connections) max_connections="${2:?--max-connections needs a number}"; shift 2 ;;
        --psql) psql_command="${2:?--psql needs a command}"; shift 2 ;;
        --tutor) tutor_command="${2:?--tutor needs a command}"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
for name in "$role" "$database"; do
    [[ "$name" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "$name: a role or database name is lower-case letters, digits and _"
done
[[ "$db_port" =~ ^[0-9]{1,5}$ ]] || die "--db-port $db_port is not a port number"
[[ "$max_connections" =~ ^[0-9]{1,5}$ ]] || die "--max-connections $max_connections is not a number"
if [ -z "$env_file" ]; then
    if [ "$(id -u)" = 0 ]; then env_file=/etc/tutor/centre.env; else env_file="$HOME/.config/tutor/centre.env"; fi
fi

# 1. The server.
if [ "$install" = 1 ]; then
    [ "$(id -u)" = 0 ] || die "--install needs root (sudo $0 --install ...)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q postgresql
fi

psql_run() {  # one SQL statement as the superuser; prints the single value it returns, if any
    $psql_command -v ON_ERROR_STOP=1 -X -q -t -A -c "$1"
}
psql_run "SELECT 1" >/dev/null || die "cannot run psql as a PostgreSQL superuser ($psql_command)"

# 2. The role and the database.
mkdir -p "$(dirname "$env_file")"
if [ -f "$env_file" ] && grep -q "^TUTOR_DATABASE_URL=" "$env_file"; then
    url="$(sed -n 's/^TUTOR_DATABASE_URL=//p' "$env_file")"
    echo "Keeping the database URL in $env_file"
else
    password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
    url="postgresql+psycopg://$role:$password@$db_host:$db_port/$database"
fi
password="$(python3 -c 'import sys; from urllib.parse import urlsplit, unquote; print(unquote(urlsplit(sys.argv[1]).password or ""))' "$url")"
if [ "$(psql_run "SELECT count(*) FROM pg_roles WHERE rolname = '$role'")" = 0 ]; then
    # The password goes to psql on its standard input, never on a command line (where `ps` shows it).
    $psql_command -v ON_ERROR_STOP=1 -X -q >/dev/null <<SQL || die "could not create the role $role"
CREATE ROLE "$role" LOGIN PASSWORD '$password';
SQL
    echo "Created the role $role"
else
    echo "The role $role exists already"
fi
if [ "$(psql_run "SELECT count(*) FROM pg_database WHERE datname = '$database'")" = 0 ]; then
    psql_run "CREATE DATABASE \"$database\" OWNER \"$role\" ENCODING 'UTF8' TEMPLATE template0" >/dev/null
    echo "Created the database $database, owned by $role"
else
    echo "The database $database exists already"
fi

# 3. Connections: one per browser session.
current="$(psql_run "SHOW max_connections")"
if [ "$current" -lt "$max_connections" ]; then
    psql_run "ALTER SYSTEM SET max_connections = $max_connections" >/dev/null
    echo "max_connections will be $max_connections (now $current): restart PostgreSQL for it to take effect"
    echo "    (Debian/Ubuntu: sudo systemctl restart postgresql)"
else
    echo "max_connections is $current"
fi

# 4. The URL, for the server only.
umask 077
printf 'TUTOR_DATABASE_URL=%s\n' "$url" >"$env_file"
chmod 600 "$env_file"
echo "Wrote the database URL to $env_file (readable by $(id -un) only)"

# 5. and 6. The first run, and the first admin.
export TUTOR_DATABASE_URL="$url"
unset TUTOR_USER TUTOR_PASSWORD
prepared="$($tutor_command serve --prepare-only)" || die "tutor could not prepare the database"
echo "$prepared"
if grep -q "No accounts yet" <<<"$prepared"; then
    admin_password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')"
    TUTOR_NEW_PASSWORD="$admin_password" $tutor_command user add "$admin" --role admin --name "Centre admin"
    echo "The admin $admin's password (shown once; change it with: tutor user passwd $admin): $admin_password"
else
    echo "Accounts exist already: no admin added"
fi
echo
echo "Serve the centre:  set -a; . $env_file; set +a; tutor serve --host 0.0.0.0"
