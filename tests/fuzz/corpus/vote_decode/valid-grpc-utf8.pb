
01HF7YAT5Q8M2R3N4P5S6T7V8WCafÃ© Tacvba â€” ğŸ¶ViÃ©rnes Verde Ê(è2grpc8€¨ßÛµ2