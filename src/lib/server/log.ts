/** Structured JSON logs on stdout (one object per line). Never pass secrets or tokens. */
type Fields = Record<string, unknown>;
const quiet = process.env.LOG_LEVEL === 'silent';

function write(level: string, msg: string, fields?: Fields) {
	if (quiet) return;
	const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
	if (level === 'error' || level === 'warn') process.stderr.write(line + '\n');
	else process.stdout.write(line + '\n');
}

export const log = {
	info: (msg: string, fields?: Fields) => write('info', msg, fields),
	warn: (msg: string, fields?: Fields) => write('warn', msg, fields),
	error: (msg: string, fields?: Fields) => write('error', msg, fields)
};
