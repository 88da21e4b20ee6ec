// The engine logs at info by default; tests show warnings and errors only, unless asked otherwise.
process.env.DF_LOG_LEVEL ??= 'warn';
