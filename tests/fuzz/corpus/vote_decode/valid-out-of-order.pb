
01HF7YAT5Q8M2R3N4P5S6T7V8W2grpc8Ä®ﬂ€µ2Bohemia Suburbana
Mi√©rcoles Œ(