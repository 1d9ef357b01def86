"""Stand-ins for the platforms' servers (Telegram's Bot API, WeChat's API, a generic push
platform) and what those platforms send, for the tests and the benchmarks.

They enforce the platforms' rules (rate limits and 429 RetryAfter, 403 for a blocked user,
WeChat's 48-hour window), so the real client code is tested against them. Nothing here is
part of the product.
"""
