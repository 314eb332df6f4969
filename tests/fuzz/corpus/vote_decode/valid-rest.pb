
01HF7YAT5Q8M2R3N4P5S6T7V8WMalacates Trebol ShopA Quien Corresponda ß(2rest8€¨ßÛµ2