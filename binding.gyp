{
  # CPU-only build of the same sources for machines without CMake (node-gyp rebuild).
  # CMakeLists.txt (cmake-js) is the primary build and the only one with the CUDA twins.
  # Sources are listed by directory so this file never falls out of step with native/.
  "targets": [
    {
      "target_name": "ntp_native",
      "sources": [
        "<!@(node -p \"['core','cuda'].flatMap(d=>require('fs').readdirSync('native/'+d,{recursive:true}).filter(f=>f.endsWith('.cpp')).map(f=>'native/'+d+'/'+f)).join(' ')\")",
        "<!@(node -p \"require('fs').readdirSync('native/binding').filter(f=>f.endsWith('.cc')).map(f=>'native/binding/'+f).join(' ')\")"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fopenmp-simd"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fopenmp-simd"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1 } }
    }
  ]
}
