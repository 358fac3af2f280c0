"""Text utilities that know about Arabic: script/language detection, sentences, normalization."""
