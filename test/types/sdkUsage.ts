import * as df from 'durable-functions';
const x: df.RetryOptions = new df.RetryOptions(1000, 3);
export { x };
