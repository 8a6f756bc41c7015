// No config for pycage or the AI SDK: the app is built as a user's would be.
export default {};
