#!/usr/bin/env node
import '../dist/src/service/main.js'
